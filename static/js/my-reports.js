// My reports: this phone's sightings, each with its follow-ups, and their sync state.
import * as outbox from './outbox.js';
import { errorText, onChange } from './sync.js';

const list = document.getElementById('reports');
const texts = list.dataset;
const stateText = (state) => texts[`state${state.replace(/(^|_)(\w)/g, (_, __, c) => c.toUpperCase())}`] || state;

function line(record, title) {
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
  if (record.errors || record.last_error) {
    const error = document.createElement('p');
    error.className = 'error';
    error.textContent = errorText(record.errors) || record.last_error;
    li.append(error);
  }
  return li;
}

async function render() {
  const user = await outbox.getMeta('user');
  const username = user ? user.username : document.body.dataset.username;
  const records = (await outbox.allRecords()).filter((r) => r.user === username);
  const sightings = records.filter((r) => r.type === 'sighting').reverse();
  const updates = records.filter((r) => r.type === 'sighting_update');
  const items = [];
  for (const s of sightings) {
    const d = s.data;
    const li = line(s, `${d.seen_at} · ${d.people_count} ${texts.people}`);
    const mine = updates.filter((u) => u.data.sighting === s.id);
    if (mine.length) {
      const sub = document.createElement('ul');
      sub.className = 'updates';
      for (const u of mine) {
        const parts = [u.data.at];
        if (u.data.people_count) parts.push(`${u.data.people_count} ${texts.people}`);
        if (u.data.closed) parts.push(texts.closed);
        sub.append(line(u, parts.join(' · ')));
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
