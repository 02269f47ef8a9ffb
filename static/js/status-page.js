// The sync status page: every few seconds, fetch GET /api/v1/status and redraw the warnings,
// the figures and the device table in place. Every text comes from the server, already
// translated and formatted; this module only places it (the same markup as
// templates/lead/status.html).
const root = document.getElementById('status');
const texts = root.dataset;
// Often enough to watch a device come back; the JSON is a few summary queries.
const REFRESH_MS = 10000;
let timer = null;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    node.setAttribute(name, value === true ? '' : value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== ''));
  return node;
}

function warningItem(w) {
  return el('li', { class: `warning level-${w.level}`, 'data-code': w.code, 'data-device': w.device_id }, w.text);
}

function drawWarnings(warnings, shown) {
  document.getElementById('warnings').replaceChildren(...warnings.slice(0, shown).map(warningItem));
  const rest = warnings.slice(shown);
  document.getElementById('more-warnings').replaceChildren(...rest.map(warningItem));
  document.getElementById('more-warnings-summary').textContent = texts.moreWarnings.replace('%n', rest.length);
  document.getElementById('more-warnings-box').hidden = rest.length === 0;
  document.getElementById('all-clear').hidden = warnings.length > 0;
}

function drawFigures(report) {
  for (const node of document.querySelectorAll('#summary [data-figure]')) {
    node.textContent = String(report.summary[node.dataset.figure]);
  }
  document.getElementById('today-date').textContent = report.today.date_text;
  const section = document.getElementById('today');
  section.querySelectorAll('.figure').forEach((node) => node.remove());
  section.append(...report.today.totals.map((t) => el('div', { class: 'figure', 'data-type': t.type },
    el('strong', {}, String(t.count)), el('span', {}, t.label))));
}

function problemsCell(device, open) {
  if (!device.problems.length) return null;
  const items = device.problems.map((p) => {
    const li = el('li', {}, el('strong', {}, p.title));
    for (const message of p.messages) li.append(el('br'), message);
    return li;
  });
  return el('details', { 'data-device': device.id, open: open.has(device.id) },
    el('summary', {}, texts.showMessages), el('ul', { class: 'problems' }, ...items));
}

function row(device, labels, open) {
  const cell = (name, ...children) => el('td', {
    'data-cell': name, 'data-label': labels[name], class: device.flagged.includes(name) ? 'flagged' : null,
  }, el('div', {}, ...children));
  const name = el('th', { scope: 'row', 'data-cell': 'device' }, el('strong', {}, device.name));
  if (device.label) name.append(' ', el('code', {}, device.id.slice(0, 8)));
  return el('tr', { class: `device level-${device.level}`, 'data-device': device.id,
                    'data-warnings': device.warnings.join(' ') },
    name,
    cell('user', device.user),
    cell('last_contact', `${device.last_contact_text} `, el('span', { class: 'muted' }, device.last_contact_ago)),
    cell('last_sync', device.last_sync_text),
    cell('outbox', el('strong', {}, String(device.outbox_depth)), ' ',
      el('span', { class: 'muted' }, device.oldest_pending_text)),
    cell('gaps', el('strong', {}, String(device.gaps.count)), ' ', el('span', {}, device.gaps.text)),
    cell('not_stored', device.not_stored_text || '0', problemsCell(device, open)),
    cell('app_version', device.app_version || '—',
      device.app_outdated ? ' ' : null, device.app_outdated ? el('span', { class: 'tag' }, texts.old) : null),
    cell('clock', device.clock_skew_text));
}

function drawDevices(devices) {
  const table = document.getElementById('devices');
  const labels = {};
  table.querySelectorAll('thead th[data-cell]').forEach((th) => { labels[th.dataset.cell] = th.textContent; });
  // Disclosures the reader opened stay open across a refresh.
  const open = new Set([...table.querySelectorAll('details[open]')].map((d) => d.dataset.device));
  table.tBodies[0].replaceChildren(...devices.map((d) => row(d, labels, open)));
  document.getElementById('no-devices').hidden = devices.length > 0;
}

function drawHidden(count) {
  const box = document.getElementById('devices-hidden-box');
  if (!box) return;  // every device is listed
  box.hidden = count === 0;
  document.getElementById('devices-hidden').textContent = texts.devicesHidden.replace('%n', count);
}

function draw(report) {
  drawWarnings(report.warnings, report.warnings_shown);
  drawFigures(report);
  drawDevices(report.devices);
  drawHidden(report.devices_hidden);
  const time = document.getElementById('generated-at');
  time.dateTime = report.generated_at;
  time.textContent = report.generated_at_text;
  document.getElementById('refresh-problem').textContent = '';
}

async function refresh() {
  const problem = document.getElementById('refresh-problem');
  try {
    const response = await fetch(texts.url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    if (response.status === 401) {
      problem.textContent = texts.signedOut;
      return;
    }
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    draw(await response.json());
  } catch (error) {
    // Keep what is shown, and say how old it is.
    problem.textContent = texts.stale.replace('%t', document.getElementById('generated-at').textContent);
  }
}

function schedule() {
  clearTimeout(timer);
  if (document.visibilityState !== 'visible') return;  // no polling in a background tab
  timer = setTimeout(async () => { await refresh(); schedule(); }, REFRESH_MS);
}

document.addEventListener('visibilitychange', async () => {
  if (document.visibilityState === 'visible') await refresh();
  schedule();
});
schedule();
