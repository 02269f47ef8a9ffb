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
    lastRecordId = record.id;
    reset();
    form.dataset.dirty = '';
    document.dispatchEvent(new CustomEvent('outbox-form-saved'));
    await showStatus();
    box?.focus();
    await syncNow(true);        // a save's own attempt: it does not grow the backoff
    await showStatus();
  }

  // A refused record of this type opens filled in, to be corrected.
  async function loadCorrection(id) {
    const record = await outbox.getRecord(id);
    if (!record || record.type !== type || !outbox.NEEDS_ATTENTION.includes(record.state)) return;
    correcting = record.id;
    lastRecordId = record.id;
    await fill(record.data);
    await showStatus();
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
