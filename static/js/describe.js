// What the device says about a record, in the page's language: its type's name, the notices
// the sync client leaves on it (codes, see sync.js) and the server's error items.
// Texts come from the server: GET /api/v1/record-types (labels, correction pages, problem
// texts; cached by the service worker) and the translated data attributes of
// templates/pwa/_device_texts.html.
import { errorItems } from './sync.js';

const texts = () => document.getElementById('device-texts')?.dataset || {};
const camel = (code) => code.replace(/[_-](\w)/g, (_, c) => c.toUpperCase());

// The service worker keeps the document beside the shell pages (network-first), so a page
// shown offline has it. It can still be missing (the worker's install could not fetch it, or
// no worker runs here): then the labels come from _device_texts.html and a refused record
// shows no correction link until the document loads online — no second list of types here.
let loaded = null;
export function recordTypes() {
  if (!loaded) {
    loaded = fetch('/api/v1/record-types', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then((response) => (response.ok ? response.json() : null))
      .catch(() => null)
      .then((doc) => ({ types: doc?.types || {}, problems: doc?.problems || {} }));
  }
  return loaded;
}

export async function typeLabel(type) {
  const { types } = await recordTypes();
  return types[type]?.label || texts()[camel(`type_${type}`)] || texts().typeOther || '';
}

export async function correctionHref(record) {
  const { types } = await recordTypes();
  const path = types[record.type]?.correct_path;
  return path ? `${path}?correct=${encodeURIComponent(record.id)}` : null;
}

// A notice code the sync client left on a record ('resend', 'dependency', ...).
export function noticeText(code) {
  if (!code) return '';
  return texts()[camel(`notice_${code}`)] || '';
}

// The sync problem of the last attempt ('offline', 'server_error', 'photo_upload').
export function problemText(code) {
  if (!code) return '';
  return texts()[camel(`problem_${code}`)] || texts().problemOffline || '';
}

// The server's errors, as sentences: never a raw field key, never an English code.
export async function errorText(errors) {
  const { problems } = await recordTypes();
  const sentences = errorItems(errors).map((item) => item.message || problems[item.code] ||
    texts()[camel(`error_${item.code || 'invalid'}`)] || texts().errorInvalid || '');
  return [...new Set(sentences.filter(Boolean))].join(' ');
}

// What to show under a record: its errors if it has any, else its notice.
export async function recordProblem(record) {
  if (record.errors && ['rejected', 'conflict'].includes(record.state)) return errorText(record.errors);
  if (record.state === 'sent') return '';
  return noticeText(record.last_error);
}
