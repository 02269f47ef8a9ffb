// When the outbox is sent: one flush at a time per page, on a save, on load, on `online`,
// on the page becoming visible, on a timer, and, after a failure, as soon as a cheap probe
// (GET /healthz) finds the server answering again: navigator.onLine says nothing about a
// server that was down, and a backoff alone would leave a reopened server waiting.
// Importing this module starts nothing; the bootstrap (app.js) calls start().
import * as outbox from './outbox.js';
import { currentUsername } from './session.js';
import { flush, onChange, probe } from './sync.js';

const TIMER_MS = 30_000;   // while a page is open, try at least this often
const PROBE_MS = 4_000;    // after a failure, ask whether the server is back this often

const appVersion = () => document.querySelector('meta[name="app-version"]')?.content || '';

let flushing = null;
let again = null;   // a request made while a sync runs: its records were not in that batch

// force: ignore the backoff. grows: a failure grows the backoff — not for a save's own
// attempt, which the person made, not the line.
export function syncNow(force = false, { grows = !force } = {}) {
  if (flushing) {
    again = { force: force || Boolean(again?.force), grows: grows && (again ? again.grows : true) };
    return flushing.then(() => (again ? syncNow(again.force, { grows: again.grows }) : undefined));
  }
  again = null;
  flushing = flush({ force, grows, appVersion: appVersion() })
    .catch((error) => console.error('sync failed', error))
    .finally(() => { flushing = null; refreshBadge(); });
  return flushing;
}

export async function refreshBadge() {
  const badge = document.getElementById('outbox-badge');
  if (!badge) return;
  const summary = await outbox.summary(await currentUsername());
  const count = summary.mine + summary.attention;
  badge.textContent = String(count);
  badge.hidden = count === 0;
  badge.classList.toggle('attention', summary.attention > 0);
}

// After a failure for want of an answer, a probe decides whether to flush before the backoff
// ends. A server that answers the probe but fails the sync (5xx) keeps its backoff.
async function probeTick() {
  if (flushing || document.visibilityState !== 'visible') return;
  const state = await outbox.getMeta('sync', {});
  if (!state.failures && !state.lastError) return;
  if (state.lastError === 'server_error' && Date.now() < (state.nextAttempt || 0)) return;
  if (await probe()) await syncNow(true, { grows: true });
}

// The triggers, for a signed-in page.
export async function start() {
  // Right after a sign-in, or when another user signed in on this device, send at once
  // rather than wait out a backoff from earlier failures.
  const known = await outbox.getMeta('user');
  const username = await currentUsername();
  syncNow(document.body.dataset.freshSignIn === '1' || !known || known.username !== username,
          { grows: true });
  window.addEventListener('online', () => syncNow(true, { grows: true }));
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') syncNow();
  });
  setInterval(() => syncNow(), TIMER_MS);
  setInterval(probeTick, PROBE_MS);
  onChange(() => refreshBadge());
  refreshBadge();
}
