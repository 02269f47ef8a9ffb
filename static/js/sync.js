// The sync client: moves the outbox to the server with POST /api/v1/sync.
// Rules (../../pwa/sync/protocol.py has the server's half):
// - a fresh CSRF token from GET /api/v1/session before each flush, never a stored one;
// - only the signed-in user's records are sent; others wait for their author;
// - network failure or 5xx: keep everything, back off (1 s doubling to 5 min, with jitter);
// - 401/403/CSRF failure: keep everything as "waiting for sign-in";
// - only "accepted" and "duplicate" make a record "sent";
// - the server says which sequence numbers it holds: a "sent" record it lacks is sent again.
// No DOM here: the service worker runs the same flush for Background Sync.
import * as outbox from './outbox.js';

const BATCH_SIZE = 50;
const MAX_ROUNDS = 40;            // a flush stops after this many requests; the next goes on
export const SYNC_TAG = 'tcd-outbox';
const channel = typeof BroadcastChannel !== 'undefined' ? new BroadcastChannel('tcd-outbox') : null;

// A request that never answers (a black-holed line, a proxy that hangs) must not hold the
// flush lock for ever: each kind of request gets a deadline, then counts as a failure.
const DEADLINE_MS = { session: 15_000, report: 15_000, batch: 60_000, photo: 120_000 };

function fetchWithin(kind, url, options) {
  const signal = typeof AbortSignal.timeout === 'function' ? AbortSignal.timeout(DEADLINE_MS[kind]) : undefined;
  return fetch(url, { credentials: 'same-origin', cache: 'no-store', signal, ...options });
}

export function backoffSeconds(failures, jitter) {
  return Math.min(300, 2 ** Math.max(failures - 1, 0)) * (0.5 + jitter);
}

// A channel does not hear its own messages: listeners in this context hear `local`.
const local = new EventTarget();

// Tell every open page, the worker and this context that the outbox changed.
export function announce(detail = {}) {
  const message = { type: 'outbox-changed', ...detail };
  if (channel) channel.postMessage(message);
  local.dispatchEvent(new CustomEvent('change', { detail: message }));
}

export function onChange(callback) {
  local.addEventListener('change', (event) => callback(event.detail));
  if (channel) channel.addEventListener('message', (event) => callback(event.data));
}

function inRanges(seq, ranges) {
  return ranges.some(([low, high]) => low <= seq && seq <= high);
}

export function errorText(errors) {
  if (!errors) return '';
  return Object.entries(errors)
    .map(([field, messages]) => `${field}: ${[].concat(messages).join(' ')}`)
    .join('; ');
}

async function requestBackgroundSync() {
  try {
    // getRegistration, not .ready: ready never settles where no worker could register, and
    // the flush (holding its lock) would wait for ever.
    const registration = self.registration || (await navigator.serviceWorker?.getRegistration());
    if (registration && registration.sync) await registration.sync.register(SYNC_TAG);
  } catch (error) {
    // Background Sync is a bonus (not in every browser); the timers still retry.
  }
}

async function recordFailure(message) {
  const state = await outbox.getMeta('sync', { failures: 0 });
  const failures = (state.failures || 0) + 1;
  const delay = backoffSeconds(failures, Math.random()) * 1000;
  await outbox.setMeta('sync', { ...state, failures, lastError: message,
                                 nextAttempt: Date.now() + delay, lastFailure: new Date().toISOString() });
  // Only pages ask for Background Sync: inside a sync event the browser reschedules a failed
  // sync itself, and asking again there would fire it again at once, in a tight loop.
  if (typeof window !== 'undefined') await requestBackgroundSync();
}

async function recordSuccess() {
  const state = await outbox.getMeta('sync', {});
  await outbox.setMeta('sync', { ...state, failures: 0, nextAttempt: 0, lastError: '',
                                 lastSuccess: new Date().toISOString() });
}

async function getSession() {
  let response;
  try {
    response = await fetchWithin('session', '/api/v1/session', {});
  } catch (error) {
    return { status: 'unreachable', message: String(error) };
  }
  if (response.status === 401 || response.status === 403) return { status: 'signed_out' };
  if (!response.ok) return { status: 'unreachable', message: `HTTP ${response.status}` };
  const body = await response.json();
  await outbox.setMeta('user', body.user);
  return { status: 'ok', user: body.user, token: body.csrf_token };
}

// Records that cannot go now wait for their author to sign in.
async function parkForSignIn(records) {
  await outbox.patchRecords(records.filter((r) => r.state !== outbox.STATES.waiting)
    .map((r) => [r.id, { state: outbox.STATES.waiting }]));
}

// Upload the photos a record lists before the record itself (the server checks they exist).
// Returns 'ok', 'offline', 'signed_out', or an error message that makes the record rejected.
async function uploadPhotos(record, token) {
  for (const id of record.data?.photos || []) {
    const photo = await outbox.getPhoto(id);
    if (!photo) return 'a photo of this report is missing on this device';
    if (photo.state === 'uploaded') continue;
    let response;
    try {
      response = await fetchWithin('photo', `/api/v1/photos/${id}`, {
        method: 'PUT', body: photo.blob,
        headers: { 'Content-Type': photo.type, 'X-Content-SHA256': photo.sha256, 'X-CSRFToken': token },
      });
    } catch (error) {
      return 'offline';
    }
    if (response.status === 401 || response.status === 403) return 'signed_out';
    if (response.status >= 500) return 'offline';
    if (response.ok) { await outbox.markPhoto(id, { state: 'uploaded', error: '' }); continue; }
    let answer = {};
    try { answer = await response.json(); } catch (error) { /* keep the status */ }
    if (answer.error === 'csrf') return 'signed_out';
    if (answer.error === 'sha256') return 'offline';   // damaged on the way: try again later
    await outbox.markPhoto(id, { state: 'rejected', error: answer.message || `HTTP ${response.status}` });
    return answer.message || `HTTP ${response.status}`;
  }
  return 'ok';
}

function envelope(record) {
  return { type: record.type, id: record.id, device_id: record.device_id, seq: record.seq,
           created_at: record.created_at, author: record.user, data: record.data };
}

async function deviceReport(appVersion) {
  const device = await outbox.device();
  const summary = await outbox.summary('');
  return { id: device.id, label: device.label, app_version: appVersion,
           clock: new Date().toISOString(), outbox_depth: summary.pending,
           oldest_pending: summary.oldest };
}

function applyResults(batch, answer) {
  const now = new Date().toISOString();
  const byId = new Map(answer.results.filter((r) => r.id).map((r) => [r.id, r]));
  return batch.map((record) => {
    const result = byId.get(record.id);
    if (!result) return [record.id, { state: outbox.STATES.queued, last_error: 'no answer for this record' }];
    if (result.status === 'accepted' || result.status === 'duplicate') {
      return [record.id, { state: outbox.STATES.sent, receipt: result.receipt || null,
                           sent_at: now, errors: null, last_error: '' }];
    }
    const state = result.status === 'conflict' ? outbox.STATES.conflict : outbox.STATES.rejected;
    return [record.id, { state, errors: result.errors || null, last_error: errorText(result.errors) }];
  });
}

// Sent records the server says it lacks go back in the queue.
async function requeueMissing(deviceId, ranges) {
  const records = await outbox.allRecords();
  const missing = records.filter((r) => r.device_id === deviceId && r.state === outbox.STATES.sent &&
                                        !inRanges(r.seq, ranges));
  await outbox.patchRecords(missing.map((r) => [r.id, { state: outbox.STATES.queued,
                                                        last_error: 'the server lacks it: sending again' }]));
  await outbox.setMeta('held', { ranges, at: new Date().toISOString() });
  return missing.length;
}

// Before a batch that may be large (photos, a day's records on a weak line), tell the server
// what waits here: the leader then sees this device's pending records even if the batch fails.
async function reportFirst(token, appVersion) {
  try {
    await fetchWithin('report', '/api/v1/sync', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': token },
      body: JSON.stringify({ device: await deviceReport(appVersion), records: [] }),
    });
  } catch (error) { /* the batch that follows will meet the same failure and handle it */ }
}

async function flushLocked({ force, appVersion }) {
  const state = await outbox.getMeta('sync', { failures: 0, nextAttempt: 0 });
  if (!force && Date.now() < (state.nextAttempt || 0)) return { status: 'backoff' };

  const session = await getSession();
  const all = await outbox.allRecords();
  const pending = all.filter((r) => outbox.PENDING.includes(r.state));
  if (session.status === 'unreachable') {
    await outbox.patchRecords(pending.filter((r) => r.state === outbox.STATES.sending)
      .map((r) => [r.id, { state: outbox.STATES.queued }]));
    await recordFailure(session.message);
    return { status: 'offline' };
  }
  if (session.status === 'signed_out') {
    await parkForSignIn(pending);
    return { status: 'signed_out' };
  }
  const username = session.user.username;
  await parkForSignIn(pending.filter((r) => r.user !== username));
  if (pending.length) await reportFirst(session.token, appVersion);

  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const mine = (await outbox.allRecords()).filter((r) => r.user === username &&
      outbox.PENDING.includes(r.state));
    const batch = [];
    for (const record of mine.slice(0, BATCH_SIZE)) {
      const photos = await uploadPhotos(record, session.token);
      if (photos === 'offline' || photos === 'signed_out') {
        if (photos === 'signed_out') await parkForSignIn(mine);
        else await recordFailure('photo upload failed: no connection');
        announce();
        if (!batch.length) return { status: photos === 'offline' ? 'offline' : 'signed_out' };
        break;
      }
      if (photos !== 'ok') {
        await outbox.patchRecords([[record.id, { state: outbox.STATES.rejected,
                                                 errors: { photos: [photos] }, last_error: photos }]]);
        continue;
      }
      batch.push(record);
    }
    await outbox.patchRecords(batch.map((r) => [r.id, { state: outbox.STATES.sending,
                                                        attempts: (r.attempts || 0) + 1 }]));
    announce();
    const body = { device: await deviceReport(appVersion), records: batch.map(envelope) };
    let response;
    try {
      response = await fetchWithin('batch', '/api/v1/sync', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRFToken': session.token },
        body: JSON.stringify(body),
      });
    } catch (error) {
      response = null;
    }
    if (!response || response.status >= 500) {
      const message = response ? `HTTP ${response.status}` : 'no connection to the server';
      await outbox.patchRecords(batch.map((r) => [r.id, { state: outbox.STATES.queued, last_error: message }]));
      await recordFailure(message);
      announce();
      return { status: 'offline' };
    }
    let answer = null;
    try { answer = await response.json(); } catch (error) { answer = null; }
    if (response.status === 401 || response.status === 403 ||
        (response.status === 400 && answer && answer.error === 'csrf')) {
      await parkForSignIn(batch);
      announce();
      return { status: 'signed_out' };
    }
    if (!response.ok || !answer || !Array.isArray(answer.results)) {
      const message = (answer && answer.message) || `HTTP ${response.status}`;
      await outbox.patchRecords(batch.map((r) => [r.id, { state: outbox.STATES.queued, last_error: message }]));
      await recordFailure(message);
      announce();
      return { status: 'error', message };
    }
    await outbox.patchRecords(applyResults(batch, answer));
    const resent = await requeueMissing(body.device.id, answer.held.ranges);
    announce();
    if (mine.length <= BATCH_SIZE && resent === 0) break;
  }
  await recordSuccess();
  const held = await outbox.getMeta('held', { ranges: [] });
  await outbox.prune((r) => inRanges(r.seq, held.ranges));
  announce();
  return { status: 'synced' };
}

// Send what is pending. Web Locks keep two tabs and the worker from flushing at once.
export async function flush({ force = false, appVersion = '' } = {}) {
  const run = () => flushLocked({ force, appVersion });
  if (navigator.locks) return navigator.locks.request('tcd-flush', run);
  return run();
}
