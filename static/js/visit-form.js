// The visit form. Shows only the handling fields that apply; on a new visit, saves the
// record to the outbox first (online or not) and lets the sync client send it.
// Without JavaScript the form posts to the server, which checks the same rules.
import * as outbox from './outbox.js';
import { onChange } from './sync.js';
import { showSaved } from './save-status.js';
import { syncNow } from './app.js';

const form = document.getElementById('visit-form');
const statusBox = document.getElementById('save-status');
const LIST_FIELDS = ['kinds'];
const BOOLEAN_FIELDS = ['is_repeat', 'consent_to_disclose'];
const KEEP_AFTER_SAVE = ['received_on', 'shift', 'reception_type', 'source'];

function showWhen(selector, visible) {
  for (const el of form.querySelectorAll(selector)) {
    el.hidden = !visible && !el.classList.contains('has-error');
  }
}

function refresh() {
  const direction = form.elements.direction.value;
  const kinds = [...form.querySelectorAll('input[name="kinds"]:checked')].map((el) => el.value);
  showWhen('.when-forward', direction === 'chuyen_don' || direction === 'don_doc');
  showWhen('.when-guide', direction === 'huong_dan');
  showWhen('.when-refuse', direction === 'tu_choi');
  showWhen('.when-denunciation, [data-show-when="to_cao"]', kinds.includes('to_cao'));
}

const pad = (n) => String(n).padStart(2, '0');

// The cached form page may be days old: date and shift come from this device's clock.
async function setClockDefaults() {
  const now = new Date();
  form.elements.received_on.value = `${pad(now.getDate())}/${pad(now.getMonth() + 1)}/${now.getFullYear()}`;
  const hhmm = `${pad(now.getHours())}:${pad(now.getMinutes())}`;
  const shifts = JSON.parse(form.dataset.shifts || '[]');
  const current = shifts.find((s) => s.starts <= hhmm && hhmm <= s.ends);
  form.elements.shift.value = current ? current.code : 'outside';
}

function collect() {
  const formData = new FormData(form);
  const data = {};
  for (const element of form.elements) {
    const name = element.name;
    if (!name || name === 'csrf_token' || name === 'record_id' || name in data) continue;
    if (LIST_FIELDS.includes(name)) data[name] = formData.getAll(name);
    else if (BOOLEAN_FIELDS.includes(name)) data[name] = formData.has(name);
    else if (name === 'representatives') {
      data[name] = String(formData.get(name) || '').split('\n').map((s) => s.trim()).filter(Boolean);
    } else if (name === 'people_count') {
      const value = String(formData.get(name) || '').trim();
      data[name] = /^\d+$/.test(value) ? Number(value) : value;
    } else data[name] = String(formData.get(name) ?? '');
  }
  return data;
}

function fillFrom(data) {
  for (const [name, value] of Object.entries(data)) {
    const field = form.elements[name];
    if (!field) continue;
    if (LIST_FIELDS.includes(name)) {
      for (const box of form.querySelectorAll(`input[name="${name}"]`)) box.checked = value.includes(box.value);
    } else if (BOOLEAN_FIELDS.includes(name)) field.checked = Boolean(value);
    else if (name === 'representatives') field.value = (value || []).join('\n');
    else field.value = value;
  }
}

function clearForNext() {
  for (const element of form.elements) {
    if (!element.name || KEEP_AFTER_SAVE.includes(element.name) || element.type === 'hidden') continue;
    if (element.type === 'checkbox') element.checked = false;
    else if (element.tagName === 'SELECT') element.selectedIndex = 0;
    else element.value = element.name === 'people_count' ? '1' : '';
  }
  for (const box of form.querySelectorAll('.has-error')) box.classList.remove('has-error');
  for (const error of form.querySelectorAll('.error')) error.remove();
  form.dataset.dirty = '';
  refresh();
}

let lastRecordId = null;
async function showStatus() {
  if (lastRecordId) showSaved(statusBox, await outbox.getRecord(lastRecordId));
}

async function save(event) {
  event.preventDefault();
  if (!form.checkValidity()) { form.reportValidity(); return; }
  const data = collect();
  const editing = new URLSearchParams(window.location.search).get('outbox');
  let record;
  if (editing) {
    await outbox.correctRecord(editing, data);
    record = await outbox.getRecord(editing);
  } else {
    const user = await outbox.getMeta('user');
    record = await outbox.addRecord('visit', data, user ? user.username : document.body.dataset.username);
    // (the page is only served to a signed-in user, so one of the two is always known)
  }
  lastRecordId = record.id;
  clearForNext();
  document.dispatchEvent(new CustomEvent('outbox-form-saved'));
  await showStatus();
  statusBox?.focus();
  await syncNow(true);
  await showStatus();
  if (editing) window.history.replaceState(null, '', window.location.pathname);
}

async function loadRejected(id) {
  const record = await outbox.getRecord(id);
  if (!record || record.state !== 'rejected') return;
  fillFrom(record.data);
  lastRecordId = record.id;
  await showStatus();
}

if (form) {
  form.addEventListener('change', refresh);
  form.addEventListener('input', () => { form.dataset.dirty = '1'; });
  refresh();
  if (form.dataset.mode === 'new') {
    setClockDefaults();
    form.addEventListener('submit', save);
    onChange(() => showStatus());
    const editing = new URLSearchParams(window.location.search).get('outbox');
    if (editing) loadRejected(editing);
  }
}
