// One controller for every form that saves a record to the outbox (visit, sighting,
// follow-up): save to IndexedDB first (online or not), then let the sync client send it;
// correct a refused record (?correct=<id>) and send it again under the same id and number;
// the save-status box; the dirty flag that holds back an app update over a half-filled form.
// The page supplies what differs: collect() → data, fill(data), reset() after a save, and
// optionally check(data) → {field: [message]} (the rules shown beside the fields; nothing is
// stored while any fails).
import * as outbox from './outbox.js';
import { currentUsername } from './session.js';
import { onChange } from './sync.js';
import { showSaved } from './save-status.js';
import { syncNow } from './runner.js';

const CORRECT_PARAMS = ['correct', 'outbox'];   // ?outbox= was the visit form's older link

function correctionId() {
  const query = new URLSearchParams(window.location.search);
  for (const name of CORRECT_PARAMS) if (query.get(name)) return query.get(name);
  return null;
}

export function outboxForm({ form, type, collect, fill, reset, check, statusBox, onShown }) {
  const box = statusBox || document.getElementById('save-status');
  let lastRecordId = null;
  let correcting = null;

  async function showStatus() {
    if (!lastRecordId) return;
    const record = await outbox.getRecord(lastRecordId);
    if (!record) return;
    await showSaved(box, record);
    onShown?.(record);
  }

  async function save(event) {
    event.preventDefault();
    if (!form.checkValidity()) { form.reportValidity(); return; }
    const data = collect();
    if (check && !(await check(data))) return;      // shown beside the fields; nothing stored
    let record;
    // Records are sealed with the server's key: a device that never had it asks now.
    if (!(await outbox.hasServerKey())) await outbox.refreshServerKey({ force: true });
    try {
      if (correcting) {
        await outbox.correctRecord(correcting, data);
        record = await outbox.getRecord(correcting);
        correcting = null;
        window.history.replaceState(null, '', window.location.pathname);
      } else {
        // The page is only served to a signed-in user: the server says who, or offline the
        // device's last known user does (session.js).
        record = await outbox.addRecord(type, data, await currentUsername());
      }
    } catch (error) {
      if (error?.code !== 'no_server_key') throw error;
      say(box?.dataset.noKey, 'no_key');     // nothing stored; what was typed stays
      return;
    }
    lastRecordId = record.id;
    reset();
    form.dataset.dirty = '';
    document.dispatchEvent(new CustomEvent('outbox-form-saved'));
    await showStatus();
    box?.focus();
    await syncNow(true);        // a save's own attempt: it does not grow the backoff
    await showStatus();
  }

  // A message in the status box instead of a record's state.
  function say(message, state) {
    if (!box) return;
    box.hidden = false;
    box.dataset.state = state;
    box.querySelector('.what').textContent = message || '';
    box.querySelector('.detail').textContent = '';
  }

  // A refused record of this type opens filled in, to be corrected. The device keeps only
  // its ciphertext: the server opens it, online, for its author only; the plaintext then
  // lives in this form alone and is sealed again on save.
  async function loadCorrection(id) {
    const record = await outbox.getRecord(id);
    if (!record || record.type !== type || !outbox.NEEDS_ATTENTION.includes(record.state)) return;
    lastRecordId = record.id;
    const opened = record.sealed ? await unseal(record) : { data: record.data };
    if (!opened.data) {
      say(opened.message, 'cannot_open');
      return;
    }
    correcting = record.id;
    await fill(opened.data);
    await showStatus();
  }

  async function unseal(record) {
    const text = box?.dataset || {};
    try {
      const answer = await fetch('/api/v1/session', { credentials: 'same-origin', cache: 'no-store' });
      if (!answer.ok) return { message: answer.status >= 500 ? text.needsConnection : text.waiting };
      const session = await answer.json();
      if (session.user?.username !== record.user) return { message: text.notAuthor };
      const response = await fetch('/api/v1/unseal', {
        method: 'POST', credentials: 'same-origin', cache: 'no-store',
        headers: { 'Content-Type': 'application/json', 'X-CSRFToken': session.csrf_token },
        body: JSON.stringify({ type: record.type, id: record.id, author: record.user,
                               sealed: record.sealed }),
      });
      let body = {};
      try { body = await response.json(); } catch (error) { /* keep the status */ }
      if (response.ok && body.data) return { data: body.data };
      return { message: body.message || (response.status >= 500 ? text.needsConnection : text.rejected) };
    } catch (error) {
      return { message: text.needsConnection };   // offline
    }
  }

  form.addEventListener('input', () => { form.dataset.dirty = '1'; });
  // Without a secure context nothing can be kept on the device (secure-context.js says so):
  // a form with an action then posts to the server, as without JavaScript.
  if (window.isSecureContext || !form.getAttribute('action')) form.addEventListener('submit', save);
  onChange(() => showStatus());
  const id = correctionId();
  const ready = id ? loadCorrection(id) : Promise.resolve();
  return { showStatus, ready, markDirty: () => { form.dataset.dirty = '1'; } };
}

// Put data back into a form: checkbox groups (lists), single checkboxes (booleans),
// textareas of lines (lists of names), everything else as text.
export function fillFields(form, data) {
  for (const [name, value] of Object.entries(data)) {
    const boxes = form.querySelectorAll(`input[type=checkbox][name="${CSS.escape(name)}"]`);
    if (boxes.length && Array.isArray(value)) {
      for (const box of boxes) box.checked = value.map(String).includes(box.value);
      continue;
    }
    const field = form.elements[name];
    if (!field || field.type === 'file') continue;
    if (field.type === 'checkbox') field.checked = Boolean(value);
    else if (Array.isArray(value)) field.value = value.join('\n');
    else field.value = value === null || value === undefined ? '' : String(value);
  }
  form.dispatchEvent(new Event('change'));
}
