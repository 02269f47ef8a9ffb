// Who is signed in on this page. Shell pages (the ones the service worker keeps) carry no
// user's name: one cached copy serves whoever uses the device next. So the answer comes from
// GET /api/v1/session, asked once per page; offline (or when the server does not answer),
// from the user the device last saw signed in (meta 'user', kept by sync.js at every flush);
// on a page the server rendered for this user, from its body as a last resort.
import * as outbox from './outbox.js';

const DEADLINE_MS = 4_000;   // a hanging line must not hold a save for long

let asked = null;

function askServer() {
  const signal = typeof AbortSignal.timeout === 'function' ? AbortSignal.timeout(DEADLINE_MS) : undefined;
  return fetch('/api/v1/session', { credentials: 'same-origin', cache: 'no-store', signal })
    .then(async (response) => (response.ok ? (await response.json()).user : null))
    .catch(() => null);
}

// The signed-in user {username, name, ...}, or null when nobody is known.
export async function currentUser() {
  if (!asked) asked = askServer();
  const fromServer = await asked;
  if (fromServer) return fromServer;
  const stored = await outbox.getMeta('user');
  if (stored) return stored;
  const username = document.body.dataset.username;
  return username ? { username, name: '' } : null;
}

export async function currentUsername() {
  return (await currentUser())?.username || '';
}

// The header's name (and any element marked data-session-fill="name").
export async function fillSession() {
  const user = await currentUser();
  if (!user?.name) return;
  for (const node of document.querySelectorAll('[data-session-fill="name"]')) node.textContent = user.name;
}
