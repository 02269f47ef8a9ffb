// The board refreshes its live part every few seconds, without reloading the page.
const live = document.getElementById('board-live');
const REFRESH_MS = 10_000;

async function refresh() {
  if (document.visibilityState !== 'visible') return;
  try {
    const response = await fetch(live.dataset.url, { credentials: 'same-origin', cache: 'no-store' });
    if (!response.ok) return;
    // The fragment is server-rendered HTML with every value escaped by the template engine.
    live.innerHTML = await response.text();
  } catch (error) { /* offline: keep what is shown */ }
}

setInterval(refresh, REFRESH_MS);
document.addEventListener('visibilitychange', refresh);
