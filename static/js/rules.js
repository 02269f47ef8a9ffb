// The forms' rules on the device: GET /api/v1/rules (built from pwa/desk/rules.py and
// pwa/field/rules.py, the tables the server's forms check; cached by the service worker)
// read by the same small interpreter as pwa/rules.py. A record that breaks a rule is not
// stored: the server's own message shows beside the field, the form stays filled.
// The server stays the authority: without the document (never online yet) nothing is
// checked here and the server refuses at sync time as before.

let loading = null;
export function loadRules() {
  if (!loading) {
    loading = fetch('/api/v1/rules', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then((response) => (response.ok ? response.json() : null))
      .catch(() => null);
    loading.then((doc) => { if (!doc) loading = null; });   // try again on the next save
  }
  return loading;
}

const filled = (value) => {
  if (value === null || value === undefined) return false;
  if (Array.isArray(value)) return value.length > 0;
  return String(value).trim() !== '';
};

function asNumber(value) {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string' || value.trim() === '') return null;
  const number = Number(value.trim());
  return Number.isFinite(number) ? number : null;
}

// A date as a comparable yyyymmdd number, from dd/mm/yyyy or yyyy-mm-dd; null if not one.
function asDay(value) {
  const text = String(value ?? '').trim();
  let m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text);
  let [y, mo, d] = m ? [m[3], m[2], m[1]] : [];
  if (!m) {
    m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
    if (!m) return null;
    [y, mo, d] = [m[1], m[2], m[3]];
  }
  const date = new Date(Number(y), Number(mo) - 1, Number(d));
  if (date.getFullYear() !== Number(y) || date.getMonth() !== Number(mo) - 1 || date.getDate() !== Number(d)) return null;
  return dayNumber(date);
}

const dayNumber = (date) => date.getFullYear() * 10000 + (date.getMonth() + 1) * 100 + date.getDate();

function limit(spec, today) {
  if (/^[+-]/.test(spec)) {
    const date = new Date(today.getFullYear(), today.getMonth(), today.getDate() + Number(spec));
    return dayNumber(date);
  }
  return asDay(spec);
}

// See pwa/rules.py: `unknown` is what an operator says about a blank field.
export function holds(cond, values, today, unknown) {
  if (cond.all) return cond.all.every((c) => holds(c, values, today, unknown));
  if (cond.any) return cond.any.some((c) => holds(c, values, today, unknown));
  if (cond.not) return !holds(cond.not, values, today, !unknown);
  const value = values[cond.field];
  if ('filled' in cond) return filled(value) === cond.filled;
  if (!filled(value)) return unknown;
  if (cond.in) return cond.in.includes(String(value));
  if (cond.not_in) return !cond.not_in.includes(String(value));
  if ('contains' in cond) return [].concat(value).map(String).includes(cond.contains);
  if ('matches' in cond) return new RegExp(cond.matches).test(String(value));
  if ('count_gte' in cond) return [].concat(value).length >= cond.count_gte;
  if ('count_lte' in cond) return [].concat(value).length <= cond.count_lte;
  if ('gte' in cond || 'lte' in cond) {
    const number = asNumber(value);
    if (number === null) return unknown;
    return number >= (cond.gte ?? number) && number <= (cond.lte ?? number);
  }
  if ('date_gte' in cond || 'date_lte' in cond) {
    const day = asDay(value);
    if (day === null) return unknown;
    const low = 'date_gte' in cond ? limit(cond.date_gte, today) : day;
    const high = 'date_lte' in cond ? limit(cond.date_lte, today) : day;
    return low <= day && day <= high;
  }
  throw new Error(`unknown condition ${JSON.stringify(cond)}`);
}

function messageOf(rule, values) {
  let text = rule.message;
  for (const [name, spec] of Object.entries(rule.params || {})) {
    const n = String(values[spec.length_of] ?? '').length;
    text = text.replace(new RegExp(`%\\(${name}\\)[ds]`, 'g'), String(n));
  }
  return text;
}

export function normalise(values, table = {}) {
  const out = { ...values };
  for (const [name, how] of Object.entries(table)) {
    if (typeof out[name] !== 'string') continue;
    out[name] = out[name].replace(new RegExp(how.remove, 'g'), '');
    if (how.upper) out[name] = out[name].toUpperCase();
  }
  return out;
}

// {field: message}, the first failing rule of each field.
export function check(ruleSet, data, today = new Date()) {
  const values = normalise(data, ruleSet.normalise);
  const errors = {};
  for (const rule of ruleSet.rules) {
    if (rule.field in errors) continue;
    if (holds(rule.when || { all: [] }, values, today, false) && !holds(rule.require, values, today, true)) {
      errors[rule.field] = messageOf(rule, values);
    }
  }
  return errors;
}

// Messages beside their fields (the markup of templates/macros.html's field()).
export function showErrors(form, errors) {
  for (const old of form.querySelectorAll('.error[data-from-rules]')) {
    old.closest('.field')?.classList.remove('has-error');
    old.remove();
  }
  let first = null;
  for (const [name, message] of Object.entries(errors)) {
    const box = form.querySelector(`#field-${CSS.escape(name)}`);
    if (!box) continue;
    box.hidden = false;
    box.classList.add('has-error');
    const p = document.createElement('p');
    p.className = 'error';
    p.id = `${name}-error`;
    p.dataset.fromRules = '1';
    p.textContent = message;
    box.append(p);
    const input = form.elements[name];
    if (input && input.setAttribute) input.setAttribute('aria-describedby', p.id);
    first = first || box;
  }
  first?.scrollIntoView({ block: 'center' });
  first?.querySelector('input, select, textarea')?.focus();
}

// For outbox-form.js: check(data) → true to save, false (errors shown) to keep the form.
export function checker(form, type, extra = () => ({})) {
  return async (data) => {
    const doc = await loadRules();
    const ruleSet = doc && doc[type];
    if (!ruleSet) return true;
    const errors = check(ruleSet, { ...data, ...extra() });
    showErrors(form, errors);
    return Object.keys(errors).length === 0;
  };
}
