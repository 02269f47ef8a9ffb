// This device's copy of the watch list, for members in the field (read offline). It is kept
// per user (meta 'watchlist:<username>'), deleted at sign-out, and a copy of anyone else is
// deleted when another user signs in on the device: it names people.
import * as outbox from './outbox.js';

const PREFIX = 'watchlist';

export async function currentUsername() {
  const user = await outbox.getMeta('user');
  return user ? user.username : document.body.dataset.username;
}

export const copyKey = (username) => `${PREFIX}:${username}`;

// Every watch-list copy but this user's (and the copy kept before copies were per user).
export async function dropOtherCopies(username) {
  const keep = username ? copyKey(username) : null;
  const keys = (await outbox.metaKeys()).filter((k) => typeof k === 'string' &&
    (k === PREFIX || k.startsWith(`${PREFIX}:`)) && k !== keep);
  if (keys.length) await outbox.deleteMeta(keys);
}

export async function readCopy() {
  const username = await currentUsername();
  return username ? outbox.getMeta(copyKey(username)) : null;
}

// Who is signed in, from the server when it answers (meta 'user' may still name the user
// before, if he never signed out), else as this device last knew.
async function signedInUsername() {
  try {
    const response = await fetch('/api/v1/session', { credentials: 'same-origin', cache: 'no-store' });
    if (response.ok) {
      const { user } = await response.json();
      if (user?.username) {
        await outbox.setMeta('user', user);
        return user.username;
      }
    }
  } catch (error) { /* offline */ }
  return currentUsername();
}

export async function refreshWatchlist() {
  const username = await signedInUsername();
  await dropOtherCopies(username);
  if (document.body.dataset.watch !== '1' || !username) return readCopy();
  try {
    const response = await fetch('/api/v1/watchlist', { credentials: 'same-origin', cache: 'no-store' });
    if (response.ok) {
      const copy = { ...(await response.json()), fetched_at: new Date().toISOString() };
      await outbox.setMeta(copyKey(username), copy);
      return copy;
    }
  } catch (error) { /* offline: keep the copy we have */ }
  return readCopy();
}
