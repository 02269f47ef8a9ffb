// My reports: this phone's sightings, each with its follow-ups, and their sync state.
import * as outbox from './outbox.js';
import { currentUsername } from './session.js';
import { onChange } from './sync.js';
import { correctionHref, recordProblem } from './describe.js';

const list = document.getElementById('reports');
const texts = list.dataset;
const stateText = (state) => texts[`state${state.replace(/(^|_)(\w)/g, (_, __, c) => c.toUpperCase())}`] || state;

async function line(record, title) {
  const li = document.createElement('li');
  li.className = `record state-${record.state}`;
  li.dataset.state = record.state;
  li.dataset.type = record.type;
  const head = document.createElement('div');
  head.className = 'record-head';
  const strong = document.createElement('strong');
  strong.textContent = title;
  const state = document.createElement('span');
  state.className = 'state';
  state.textContent = stateText(record.state);
  head.append(strong, state);
  li.append(head);
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
    fix.className = 'button fix';
    fix.href = href;
    fix.textContent = texts.fix;
    li.append(fix);
  }
  return li;
}

async function render() {
  const username = await currentUsername();
  const records = (await outbox.allRecords()).filter((r) => r.user === username);
  const sightings = records.filter((r) => r.type === 'sighting').reverse();
  const updates = records.filter((r) => r.type === 'sighting_update');
  const items = [];
  for (const s of sightings) {
    const d = s.summary;      // the data itself is sealed
    const li = await line(s, `${d.when} · ${d.people_count} ${texts.people}`);
    const mine = updates.filter((u) => u.summary.sighting === s.id);
    if (mine.length) {
      const sub = document.createElement('ul');
      sub.className = 'updates';
      for (const u of mine) {
        const parts = [u.summary.when];
        if (u.summary.people_count) parts.push(`${u.summary.people_count} ${texts.people}`);
        if (u.summary.closed) parts.push(texts.closed);
        sub.append(await line(u, parts.join(' · ')));
      }
      li.append(sub);
    }
    const add = document.createElement('a');
    add.className = 'button';
    add.href = `/field/updates/new?sighting=${encodeURIComponent(s.id)}`;
    add.textContent = texts.addUpdate;
    li.append(add);
    items.push(li);
  }
  list.replaceChildren(...items);
  if (!items.length) {
    const empty = document.createElement('li');
    empty.className = 'empty';
    empty.textContent = texts.empty;
    list.append(empty);
  }
}

onChange(() => render());
render();
