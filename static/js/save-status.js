// The box under a form's title that says where the last saved record is: on this device,
// being sent, sent, waiting for sign-in, or refused (with the server's words).
// Markup and texts: templates/pwa/_save_status.html.
import { recordProblem } from './describe.js';

export async function showSaved(box, record) {
  if (!box || !record) return;
  const text = box.dataset;
  const messages = { sent: text.sent, queued: text.queued, sending: text.sending,
                     waiting_signin: text.waiting, rejected: text.rejected, conflict: text.rejected };
  const detail = await recordProblem(record);
  box.hidden = false;
  box.dataset.state = record.state;
  box.querySelector('.what').textContent = `${text.saved.replace('%n', record.seq)} ${messages[record.state] || ''}`;
  box.querySelector('.detail').textContent = detail;
}
