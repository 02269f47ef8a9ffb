// This device's copy of the watch list, for members in the field (read offline). It is kept
// per user (meta 'watchlist:<username>'), deleted at sign-out, and a copy of anyone else is
// deleted when another user signs in on the device: it names people.
import * as outbox from './outbox.js';
import { currentUsername } from './session.js';

const PREFIX = 'watchlist';

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

export async function refreshWatchlist() {
  const username = await currentUsername();
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
