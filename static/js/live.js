// One fetch-and-swap for the parts of a page that change while it is open (the situation
// board, the sync status page): every element marked data-live-url is replaced, every few
// seconds while the tab is visible, by the HTML fragment the server renders at that address
// (the same template the page included, so the page reads whole without JavaScript).
//
// The request says X-Background: 1 — polling is not the person's activity and must not keep
// an idle session alive. A signed-out answer (401, or the sign-in page after a redirect)
// keeps what is shown and says so; a failure keeps what is shown and says how old it is.
const REFRESH_MS = 10_000;   // often enough to watch a device come back

// Disclosures the reader opened (details[data-key]) stay open across a swap.
function openKeys(root) {
  return new Set([...root.querySelectorAll('details[data-key][open]')].map((d) => d.dataset.key));
}

function reopen(root, keys) {
  for (const details of root.querySelectorAll('details[data-key]')) {
    if (keys.has(details.dataset.key)) details.open = true;
  }
}

function say(root, text) {
  const problem = root.dataset.liveProblem && document.getElementById(root.dataset.liveProblem);
  if (problem) problem.textContent = text;
}

export async function refresh(root) {
  let response;
  try {
    response = await fetch(root.dataset.liveUrl, {
      credentials: 'same-origin', cache: 'no-store', redirect: 'follow',
      headers: { Accept: 'text/html', 'X-Background': '1' },
    });
  } catch (error) {
    response = null;
  }
  if (response && (response.status === 401 || (response.redirected && response.ok))) {
    await response.body?.cancel();
    say(root, root.dataset.liveSignedOut || '');
    return false;
  }
  if (!response || !response.ok) {
    await response?.body?.cancel();
    const time = root.querySelector('[data-live-time]')?.textContent || '';
    say(root, (root.dataset.liveStale || '').replace('%t', time));
    return false;
  }
  const html = await response.text();
  const keys = openKeys(root);
  // The fragment is server-rendered HTML with every value escaped by the template engine.
  root.innerHTML = html;
  reopen(root, keys);
  say(root, '');
  root.dispatchEvent(new CustomEvent('live-updated', { bubbles: true }));
  return true;
}

function follow(root) {
  let timer = null;
  const schedule = () => {
    clearTimeout(timer);
    if (document.visibilityState !== 'visible') return;   // no polling in a background tab
    timer = setTimeout(async () => { await refresh(root); schedule(); }, REFRESH_MS);
  };
  document.addEventListener('visibilitychange', async () => {
    if (document.visibilityState === 'visible') await refresh(root);
    schedule();
  });
  schedule();
}

document.querySelectorAll('[data-live-url]').forEach(follow);
