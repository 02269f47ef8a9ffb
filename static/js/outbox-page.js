// The outbox page: this device's records with their state, a "Sync now" button, the
// device's label. Another user's records show only as a count.
import * as outbox from './outbox.js';
import { currentUsername } from './session.js';
import { onChange } from './sync.js';
import { syncNow } from './runner.js';
import { dateTimeText as when } from './format.js';
import { correctionHref, problemText, recordProblem, typeLabel } from './describe.js';

const list = document.getElementById('outbox-list');
const texts = list.dataset;

// A line about the record from its summary (the data itself is sealed): when, how many.
function summaryOf(record) {
  const summary = record.summary || {};
  return [summary.when, summary.people_count && `${summary.people_count} ${texts.people}`]
    .filter(Boolean).join(' · ');
}

async function item(record) {
  const li = document.createElement('li');
  li.className = `record state-${record.state}`;
  li.dataset.state = record.state;
  li.dataset.seq = record.seq;
  const head = document.createElement('div');
  head.className = 'record-head';
  const state = document.createElement('span');
  state.className = 'state';
  state.textContent = texts[`state${record.state.replace(/(^|_)(\w)/g, (_, __, c) => c.toUpperCase())}`] || record.state;
  const title = document.createElement('strong');
  title.textContent = `#${record.seq} · ${await typeLabel(record.type)}`;
  head.append(title, state);
  const summary = document.createElement('p');
  summary.textContent = summaryOf(record);
  const meta = document.createElement('p');
  meta.className = 'muted';
  const parts = [`${texts.created} ${when(record.created_at)}`];
  if (record.attempts) parts.push(`${texts.attempts} ${record.attempts}`);
  if (record.receipt) parts.push(`${texts.receipt} ${when(record.receipt.received_at)}`);
  meta.textContent = parts.join(' · ');
  li.append(head, summary, meta);
  const problem = await recordProblem(record);
  if (problem) {
    const error = document.createElement('p');
    error.className = outbox.NEEDS_ATTENTION.includes(record.state) ? 'error' : 'muted notice';
    error.textContent = problem;
    li.append(error);
  }
  const href = outbox.NEEDS_ATTENTION.includes(record.state) && await correctionHref(record);
  if (href) {
    const fix = document.createElement('a');
    fix.className = 'button';
    fix.href = href;
    fix.textContent = texts.fix;
    li.append(fix);
  }
  return li;
}

async function render() {
  const username = await currentUsername();
  const records = await outbox.allRecords();
  const mine = records.filter((r) => r.user === username).reverse();
  const summary = await outbox.summary(username);
  document.getElementById('count-pending').textContent = String(summary.mine);
  document.getElementById('count-attention').textContent = String(summary.attention);
  document.getElementById('count-sent').textContent = String(mine.filter((r) => r.state === 'sent').length);
  const others = document.getElementById('others');
  others.hidden = summary.others === 0;
  others.textContent = texts.others.replace('%n', summary.others);
  list.replaceChildren(...await Promise.all(mine.map(item)));
  if (!mine.length) {
    const empty = document.createElement('li');
    empty.className = 'empty';
    empty.textContent = texts.empty;
    list.append(empty);
  }
  const sync = await outbox.getMeta('sync', {});
  const device = await outbox.device();
  document.getElementById('last-sync').textContent = sync.lastSuccess ? when(sync.lastSuccess) : '—';
  document.getElementById('last-error').textContent = problemText(sync.lastError);
  document.getElementById('device-id').textContent = device.id;
  const label = document.getElementById('device-label');
  if (document.activeElement !== label) label.value = device.label;
}

document.getElementById('sync-now').addEventListener('click', async (event) => {
  event.target.disabled = true;
  await syncNow(true);
  event.target.disabled = false;
  render();
});

document.getElementById('label-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  await outbox.setDeviceLabel(document.getElementById('device-label').value);
  document.getElementById('label-saved').hidden = false;
  syncNow(true);
});

onChange(() => render());
render();
