// The visit form. Shows only the handling fields that apply; on a new visit, saves the
// record to the outbox first (online or not) and lets the sync client send it.
// Without JavaScript the form posts to the server, which checks the same rules.
import { dateText, timeText } from './format.js';
import { fillFields, outboxForm } from './outbox-form.js';
import { checker, loadRules } from './rules.js';

const form = document.getElementById('visit-form');
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

// The cached form page may be days old: date and shift come from this device's clock.
async function setClockDefaults() {
  const now = new Date();
  form.elements.received_on.value = dateText(now);
  const hhmm = timeText(now);
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

function fill(data) {
  fillFields(form, data);
  refresh();
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
  refresh();
}

if (form) {
  form.addEventListener('change', refresh);
  form.addEventListener('input', () => { form.dataset.dirty = '1'; });
  refresh();
  if (form.dataset.mode === 'new') {
    setClockDefaults();
    outboxForm({ form, type: 'visit', collect, fill, reset: clearForNext, check: checker(form, 'visit') });
    loadRules();   // keep the rules document fresh in the worker's cache
  }
}
