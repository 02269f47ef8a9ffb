// The watch list, read from this device's copy so it works offline after one online visit.
import { dateTimeText } from './format.js';
import { readCopy, refreshWatchlist } from './watch-copy.js';

const list = document.getElementById('watch-list');
const texts = list.dataset;

function render(copy) {
  const items = (copy?.entries || []).map((entry) => {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = `/watch/${entry.id}`;
    const title = document.createElement('strong');
    title.textContent = entry.name;
    const meta = document.createElement('span');
    const parts = [copy.labels.kind[entry.kind], entry.commune, copy.labels.risk[entry.risk],
                   copy.labels.status[entry.status]];
    if (entry.usual_size) parts.push(`${texts.size} ${entry.usual_size}`);
    if (entry.assigned) parts.push(`${texts.assigned} ${entry.assigned}`);
    if (entry.next_dialogue) parts.push(`${texts.dialogue} ${entry.next_dialogue}`);
    meta.textContent = parts.filter(Boolean).join(' · ');
    const demands = document.createElement('span');
    demands.className = 'excerpt';
    demands.textContent = entry.demands;
    a.append(title, meta, demands);
    li.append(a);
    li.dataset.risk = entry.risk;
    return li;
  });
  list.replaceChildren(...items);
  if (!items.length) {
    const empty = document.createElement('li');
    empty.className = 'empty';
    empty.textContent = texts.empty;
    list.append(empty);
  }
  if (copy?.fetched_at) {
    const d = new Date(copy.fetched_at);
    const pad = (n) => String(n).padStart(2, '0');
    document.getElementById('watch-updated').textContent =
      `${texts.text || document.getElementById('watch-updated').dataset.text} ${dateTimeText(d)}`;
  }
}

render(await readCopy());
render(await refreshWatchlist());
