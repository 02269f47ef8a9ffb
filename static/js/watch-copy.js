// This device's copy of the watch list, for members in the field (read offline).
import * as outbox from './outbox.js';

export async function refreshWatchlist() {
  if (document.body.dataset.watch !== '1') return outbox.getMeta('watchlist');
  try {
    const response = await fetch('/api/v1/watchlist', { credentials: 'same-origin', cache: 'no-store' });
    if (response.ok) {
      const copy = { ...(await response.json()), fetched_at: new Date().toISOString() };
      await outbox.setMeta('watchlist', copy);
      return copy;
    }
  } catch (error) { /* offline: keep the copy we have */ }
  return outbox.getMeta('watchlist');
}
