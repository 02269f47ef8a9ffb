// The service worker: keeps the app shell for offline use and sends the outbox by
// Background Sync. Pages with people's data are never cached: only the shell below.
import { flush, SYNC_TAG } from '/static/js/sync.js';

const VERSION = '__APP_VERSION__';          // stamped by the server from the code's hash
const PREFIX = 'tcd-';
const CACHE = `${PREFIX}shell-${VERSION}`;

// Pages that work offline: empty forms and the device's own outbox (read from IndexedDB).
const SHELL_PAGES = ['/visits/new', '/outbox', '/offline', '/field', '/field/sightings/new',
                     '/field/updates/new', '/watch'];
const SHELL_FILES = [
  '/static/css/app.css',
  '/static/js/app.js', '/static/js/outbox.js', '/static/js/sync.js',
  '/static/js/visit-form.js', '/static/js/outbox-page.js', '/static/js/field-form.js',
  '/static/js/my-reports.js', '/static/js/watchlist.js', '/static/js/alerts.js',
  '/static/js/save-status.js', '/static/js/runner.js', '/static/js/format.js',
  '/static/js/outbox-form.js', '/static/js/describe.js', '/static/js/watch-copy.js',
  '/static/js/rules.js', '/static/js/secure-context.js', '/static/js/session.js',
  '/static/js/seal.js',
  '/static/icons/icon-192.png', '/static/icons/icon-512.png', '/static/icons/icon-maskable-512.png',
  '/manifest.webmanifest',
];
// Documents the offline pages need, kept network-first: communes, sites and shifts; record
// types (labels, correction pages, problem texts); the forms' rules.
const REFERENCE = '/api/v1/reference';
const DOCUMENTS = [REFERENCE, '/api/v1/record-types', '/api/v1/rules'];

// The shell pages the signed-in user's role may open (the session says which): a page the
// role may not open would only be a refusal in the audit log at every sign-in.
async function pagesForThisUser() {
  try {
    const response = await fetch('/api/v1/session', { credentials: 'same-origin', cache: 'no-store',
                                                       headers: { 'X-Background': '1' } });
    if (!response.ok) { await response.body?.cancel(); return []; }
    const allowed = (await response.json()).shell_pages || [];
    return SHELL_PAGES.filter((page) => allowed.includes(page));
  } catch (error) {
    return [];
  }
}

async function precache() {
  const cache = await caches.open(CACHE);
  await cache.addAll(SHELL_FILES);        // the shell must be complete, or install fails
  // Pages need a signed-in user; one the server redirects to sign-in is simply not kept.
  // X-Background: the worker fetching them is not the person using the app, and must not
  // keep an idle session alive.
  for (const url of [...(await pagesForThisUser()), ...DOCUMENTS]) {
    try {
      const response = await fetch(url, { credentials: 'same-origin', cache: 'no-store',
                                          headers: { 'X-Background': '1' } });
      if (response.ok && !response.redirected) await cache.put(url, response);
      // An unread body holds its connection: a few of them stall every later fetch of the
      // installing worker, and the install never ends.
      else await response.body?.cancel();
    } catch (error) {
      console.warn('not precached', url, error);
    }
  }
}

self.addEventListener('install', (event) => {
  // No skipWaiting here: a new version waits until the page says no form is half filled.
  event.waitUntil(precache());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'skip-waiting') self.skipWaiting();
});

// A 5xx counts as a failure like no answer at all: behind a reverse proxy a dead app server
// answers 502/503/504, and a broken deploy 500; the cached copy serves better than either.
async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  let response = null;
  try {
    response = await fetch(request);
  } catch (error) { /* try the cache */ }
  if (response && response.status < 500) {
    if (response.ok && !response.redirected) await cache.put(key, response.clone());
    return response;
  }
  const cached = await cache.match(key);
  if (cached) return cached;
  if (response) return response;
  throw new Error('no answer and nothing cached');
}

// Shell pages: network first, else the cached page. Other pages: the network, else the
// offline page (which offers what the signed-in role records offline).
async function navigate(request, url) {
  const shell = SHELL_PAGES.includes(url.pathname);
  let response = null;
  try {
    response = shell ? await networkFirst(request, url.pathname) : await fetch(request);
  } catch (error) { /* fall through to the offline page */ }
  if (response && response.status < 500) return response;
  const cache = await caches.open(CACHE);
  return (await cache.match('/offline')) || response || Response.error();
}

async function cacheFirst(request) {
  const cached = await caches.match(request, { cacheName: CACHE, ignoreSearch: true });
  return cached || fetch(request);
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    event.respondWith(navigate(request, url));
  } else if (url.pathname.startsWith('/static/') || url.pathname === '/manifest.webmanifest') {
    event.respondWith(cacheFirst(request));
  } else if (DOCUMENTS.includes(url.pathname)) {
    event.respondWith(networkFirst(request, url.pathname));
  }
  // Everything else (the API, other pages) goes to the network only and is never cached.
});

self.addEventListener('sync', (event) => {
  if (event.tag !== SYNC_TAG) return;
  event.waitUntil(flush({ force: true, appVersion: VERSION }).then((result) => {
    // A rejection asks the browser to fire this sync again later.
    if (result.status === 'offline') throw new Error('server unreachable; retry later');
  }));
});
