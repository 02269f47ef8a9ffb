// Loaded on every page of a signed-in user: registers the service worker, runs the sync
// triggers, shows the pending badge, fills in the user's name, offers updates, and guards
// sign-out.
// The sync triggers live in runner.js.
import * as outbox from './outbox.js';
import { start, syncNow } from './runner.js';
import { currentUsername, fillSession } from './session.js';
import { dropOtherCopies, refreshWatchlist } from './watch-copy.js';

const body = document.body;
const t = (key) => body.dataset[key] || key;   // texts rendered by the server, translated

function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js', { scope: '/', type: 'module' }).then((registration) => {
    if (!registration) return;   // registration refused (private mode, policy): sync still runs
    if (registration.waiting) offerUpdate(registration.waiting);
    registration.addEventListener('updatefound', () => {
      const incoming = registration.installing;
      incoming?.addEventListener('statechange', () => {
        if (incoming.state === 'installed' && navigator.serviceWorker.controller) offerUpdate(incoming);
      });
    });
  }).catch((error) => console.error('service worker registration failed', error));
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloading || !updateRequested) return;
    reloading = true;
    window.location.reload();
  });
  navigator.serviceWorker.addEventListener('message', (event) => {
    if (event.data?.type === 'flush') syncNow(true);
  });
}

// A form with something typed in it must not be reloaded away.
function formIsDirty() {
  return [...document.querySelectorAll('form[data-guard-dirty]')].some((form) => form.dataset.dirty === '1');
}

let updateRequested = false;
function offerUpdate(worker) {
  const banner = document.getElementById('update-banner');
  if (!banner) return;
  const show = () => { banner.hidden = formIsDirty(); };
  show();
  document.addEventListener('input', show);
  document.addEventListener('outbox-form-saved', show);
  banner.querySelector('button').addEventListener('click', () => {
    updateRequested = true;
    worker.postMessage({ type: 'skip-waiting' });
  });
}

// Cache Storage entries that name people (the worker caches none today; an older version
// or a browser's own caching might have kept one).
const PEOPLE_URLS = ['/api/v1/watchlist'];
async function forgetCachedPeople() {
  if (typeof caches === 'undefined') return;
  try {
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const url of PEOPLE_URLS) await cache.delete(url, { ignoreSearch: true });
    }
  } catch (error) { /* nothing cached, or no access */ }
}

// Signing out with records pending warns, and keeps them.
function guardSignOut() {
  const form = document.getElementById('logout-form');
  if (!form) return;
  form.addEventListener('submit', async (event) => {
    if (form.dataset.confirmed) return;
    event.preventDefault();
    const summary = await outbox.summary(await currentUsername());
    if (summary.mine > 0 && !window.confirm(t('pendingSignOut').replace('%n', summary.mine))) return;
    // The cached page may carry an old token: ask for a fresh one.
    try {
      const session = await fetch('/api/v1/session', { credentials: 'same-origin', cache: 'no-store' });
      if (session.ok) form.elements.csrf_token.value = (await session.json()).csrf_token;
    } catch (error) { /* offline: the server will ask again */ }
    // Records stay (sealed); they are simply not anyone's to send until their author signs
    // in again. What names people goes: the watch-list copy, and its cached answer.
    await dropOtherCopies(null);
    await forgetCachedPeople();
    await outbox.setMeta('user', null);
    form.dataset.confirmed = '1';
    form.submit();
  });
}

if (body.dataset.signedIn === '1') {
  registerWorker();
  fillSession();
  guardSignOut();
  start();
  // The server's key, so records can be sealed offline later (the first sign-in is online);
  // then what an older version kept plain is sealed.
  outbox.refreshServerKey().then(() => outbox.sealLegacy()).catch((error) => console.error(error));
  refreshWatchlist();
  if (body.dataset.alerts === '1') import('./alerts.js');
}
