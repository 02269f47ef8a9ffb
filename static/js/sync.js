// The sync client: moves the outbox to the server with POST /api/v1/sync.
// Rules (../../pwa/sync/protocol.py has the server's half):
// - a fresh CSRF token from GET /api/v1/session before each flush, never a stored one;
// - only the signed-in user's records are sent; others wait for their author;
// - network failure or 5xx: keep everything, back off (1 s doubling to a cap, with jitter);
//   an attempt forced by a save does not grow the backoff (the person did not fail);
// - 401/403/CSRF failure: keep everything as "waiting for sign-in";
// - only "accepted" and "duplicate" make a record "sent";
// - the server says which sequence numbers it holds: a "sent" record it lacks is sent again,
//   with its photos (a server restored from a backup lacks those too);
// - a record refused only because something it needs is not on the server yet (a photo, its
//   sighting) is queued again once that is sent: not the person's fault, nothing to correct.
// No DOM here: the service worker runs the same flush for Background Sync.
// Record notices (record.last_error) and sync problems (meta 'sync'.lastError) are codes;
// the pages say them in the reader's language.
import * as outbox from './outbox.js';
import { photoHeaders } from './seal.js';

const BATCH_SIZE = 50;
const MAX_ROUNDS = 40;            // a flush stops after this many requests; the next goes on
const MAX_DEPENDENCY_RESENDS = 3; // a record re-queued for a missing dependency, at most
export const SYNC_TAG = 'tcd-outbox';
const channel = typeof BroadcastChannel !== 'undefined' ? new BroadcastChannel('tcd-outbox') : null;

// On an open page the person waits: retry at least every minute. The worker's Background
// Sync runs when no page is open; its retries can wait longer.
export const BACKOFF_CAP_SECONDS = { page: 60, worker: 300 };
const IN_PAGE = typeof window !== 'undefined';
const CAP = IN_PAGE ? BACKOFF_CAP_SECONDS.page : BACKOFF_CAP_SECONDS.worker;

// A request that never answers (a black-holed line, a proxy that hangs) must not hold the
// flush lock for ever: each kind of request gets a deadline, then counts as a failure.
const DEADLINE_MS = { session: 15_000, report: 15_000, batch: 60_000, photo: 120_000, probe: 4_000 };

function fetchWithin(kind, url, options) {
  const signal = typeof AbortSignal.timeout === 'function' ? AbortSignal.timeout(DEADLINE_MS[kind]) : undefined;
  return fetch(url, { credentials: 'same-origin', cache: 'no-store', signal, ...options });
}

// Seconds to wait after `failures` failures in a row; jitter in [0, 1).
export function backoffSeconds(failures, jitter, cap = BACKOFF_CAP_SECONDS.worker) {
  return Math.min(cap, 2 ** Math.max(failures - 1, 0)) * (0.5 + jitter);
}

export function inRanges(seq, ranges) {
  return ranges.some(([low, high]) => low <= seq && seq <= high);
}

// Is the server answering at all? A cheap GET that needs no session and touches no data.
export async function probe() {
  try {
    const response = await fetchWithin('probe', '/healthz', {});
    await response.body?.cancel();
    return response.ok;
  } catch (error) {
    return false;
  }
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

// --- error items: {code, params, message} from the server ---

export const DEPENDENCY_CODES = ['photo_missing', 'sighting_unknown'];

export function errorItems(errors) {
  if (!errors) return [];
  return Object.values(errors).flatMap((items) => [].concat(items))
    .map((item) => (typeof item === 'string' ? { code: '', message: item } : item || {}));
}

export function isDependency(item) {
  return DEPENDENCY_CODES.includes(item.code);
}

// Refused only because something it needs has not reached the server.
export function onlyDependencies(errors) {
  const items = errorItems(errors);
  return items.length > 0 && items.every(isDependency);
}

// --- the sync state (meta 'sync') ---

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

// problem: 'offline' (no answer), 'server_error' (5xx or a bad answer), 'photo_upload'.
async function recordFailure(problem, grows) {
  const state = await outbox.getMeta('sync', { failures: 0 });
  const failures = (state.failures || 0) + (grows ? 1 : 0);
  const nextAttempt = grows ? Date.now() + backoffSeconds(failures, Math.random(), CAP) * 1000
    : (state.nextAttempt || 0);
  await outbox.setMeta('sync', { ...state, failures, lastError: problem, nextAttempt,
                                 lastFailure: new Date().toISOString() });
  // Only pages ask for Background Sync: inside a sync event the browser reschedules a failed
  // sync itself, and asking again there would fire it again at once, in a tight loop.
  if (IN_PAGE) await requestBackgroundSync();
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
    return { status: 'unreachable', problem: 'offline' };
  }
  if (response.status === 401 || response.status === 403) return { status: 'signed_out' };
  if (!response.ok) return { status: 'unreachable', problem: response.status >= 500 ? 'offline' : 'server_error' };
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
// Returns 'ok', 'offline', 'signed_out', or an error item that makes the record rejected.
async function uploadPhotos(record, token) {
  for (const id of outbox.photoIds(record)) {
    const photo = await outbox.getPhoto(id);
    if (!photo) return { code: 'photo_gone', message: '' };
    if (photo.state === 'uploaded') continue;
    let response;
    try {
      response = await fetchWithin('photo', `/api/v1/photos/${id}`, {
        // The stored ciphertext as it is (the server opens it); a photo from before sealing
        // (not yet sealed by outbox.sealLegacy) goes plain.
        method: 'PUT', body: photo.blob,
        headers: { ...(photo.kid ? photoHeaders(photo, photo.type, photo.sha256)
          : { 'Content-Type': photo.type, 'X-Content-SHA256': photo.sha256 }), 'X-CSRFToken': token },
      });
    } catch (error) {
      return 'offline';
    }
    if (response.status === 401 || response.status === 403) return 'signed_out';
    if (response.status >= 500) return 'offline';
    // "accepted", or "duplicate" when the server already has these bytes.
    if (response.ok) { await outbox.markPhoto(id, { state: 'uploaded', error: '' }); continue; }
    let answer = {};
    try { answer = await response.json(); } catch (error) { /* keep the status */ }
    if (answer.error === 'csrf') return 'signed_out';
    if (answer.error === 'sha256') return 'offline';   // damaged on the way: try again later
    const item = { code: `photo_${answer.error || response.status}`, message: answer.message || '' };
    await outbox.markPhoto(id, { state: 'rejected', error: item.message });
    return item;
  }
  return 'ok';
}

// The ciphertext as it was sealed on save: a re-send (after a restore, for a dependency)
// sends it unchanged, with no key or plaintext on the device. Plain data only for a record
// saved before sealing that outbox.sealLegacy has not sealed yet.
function envelope(record) {
  const body = record.sealed ? { sealed: record.sealed } : { data: record.data };
  return { type: record.type, id: record.id, device_id: record.device_id, seq: record.seq,
           created_at: record.created_at, author: record.user, ...body };
}

async function deviceReport(appVersion) {
  const device = await outbox.device();
  const summary = await outbox.summary('');
  return { id: device.id, secret: device.secret, label: device.label, app_version: appVersion,
           clock: new Date().toISOString(), outbox_depth: summary.pending,
           oldest_pending: summary.oldest };
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

// --- prepare: what this round sends ---

// A follow-up refused because its sighting is not on the server waits, refused, while that
// sighting needs the person's attention (waits_for); once the sighting is corrected (back in
// the queue) or sent, the follow-up is queued again.
async function requeueReadyDependents(records) {
  const byId = new Map(records.map((r) => [r.id, r]));
  const ready = records.filter((r) => r.waits_for && outbox.NEEDS_ATTENTION.includes(r.state) &&
    !parentNeedsAttention(r, byId));
  await outbox.patchRecords(ready.map((r) => [r.id, { state: outbox.STATES.queued, last_error: 'dependency',
                                                      waits_for: null, dependency_resends: 0 }]));
  return ready.length;
}

const sightingOf = (record) => record.summary?.sighting || record.data?.sighting || null;

// The sighting a follow-up belongs to is on this device and refused (or gone from it).
function parentNeedsAttention(record, byId) {
  const parentId = record.type === 'sighting_update' ? sightingOf(record) : null;
  if (!parentId) return false;
  const parent = byId.get(parentId);
  return !parent || outbox.NEEDS_ATTENTION.includes(parent.state);
}

// Upload the photos of the next records; returns the batch and, if the line failed on the
// way, why it stopped ('offline' or 'signed_out').
async function prepare(username, token) {
  await requeueReadyDependents(await outbox.allRecords());
  const mine = (await outbox.allRecords()).filter((r) => r.user === username &&
    outbox.PENDING.includes(r.state));
  const batch = [];
  let stop = null;
  for (const record of mine.slice(0, BATCH_SIZE)) {
    const photos = await uploadPhotos(record, token);
    if (photos === 'offline' || photos === 'signed_out') {
      stop = photos;
      if (photos === 'signed_out') await parkForSignIn(mine);
      break;
    }
    if (photos !== 'ok') {
      await outbox.patchRecords([[record.id, { state: outbox.STATES.rejected,
                                               errors: { photos: [photos] }, last_error: '' }]]);
      continue;
    }
    batch.push(record);
  }
  return { batch, more: mine.length > BATCH_SIZE, stop };
}

// --- send: one request ---

// Returns { outcome: 'answer', answer, deviceId } or { outcome: 'offline' | 'signed_out' |
// 'error' } with the batch's records put back as they were.
async function send(batch, token, appVersion) {
  await outbox.patchRecords(batch.map((r) => [r.id, { state: outbox.STATES.sending,
                                                      attempts: (r.attempts || 0) + 1 }]));
  announce();
  const body = { device: await deviceReport(appVersion), records: batch.map(envelope) };
  let response;
  try {
    response = await fetchWithin('batch', '/api/v1/sync', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': token },
      body: JSON.stringify(body),
    });
  } catch (error) {
    response = null;
  }
  const putBack = (notice) => outbox.patchRecords(batch.map((r) => [r.id, { state: outbox.STATES.queued,
                                                                              last_error: notice }]));
  if (!response || response.status >= 500) {
    await putBack(response ? 'server_error' : 'offline');
    return { outcome: 'offline', problem: response ? 'server_error' : 'offline' };
  }
  let answer = null;
  try { answer = await response.json(); } catch (error) { answer = null; }
  if (response.status === 401 || response.status === 403 ||
      (response.status === 400 && answer && answer.error === 'csrf')) {
    await parkForSignIn(batch);
    return { outcome: 'signed_out' };
  }
  if (!response.ok || !answer || !Array.isArray(answer.results)) {
    await putBack('server_error');
    return { outcome: 'error', problem: 'server_error' };
  }
  return { outcome: 'answer', answer, deviceId: body.device.id };
}

// --- settle: the server's answer, record by record ---

function applyResults(batch, answer) {
  const now = new Date().toISOString();
  const byId = new Map(answer.results.filter((r) => r.id).map((r) => [r.id, r]));
  return batch.map((record) => {
    const result = byId.get(record.id);
    if (!result) return [record.id, { state: outbox.STATES.queued, last_error: 'no_answer' }];
    if (result.status === 'accepted' || result.status === 'duplicate') {
      return [record.id, { state: outbox.STATES.sent, receipt: result.receipt || null,
                           sent_at: now, errors: null, last_error: '', dependency_resends: 0 }];
    }
    const errors = result.errors || null;
    if (result.status === 'rejected' && onlyDependencies(errors) &&
        (record.dependency_resends || 0) < MAX_DEPENDENCY_RESENDS) {
      // Not the person's fault: send what it needs again, then it.
      return [record.id, { state: outbox.STATES.queued, errors, last_error: 'dependency',
                           dependency_resends: (record.dependency_resends || 0) + 1 }];
    }
    const state = result.status === 'conflict' ? outbox.STATES.conflict : outbox.STATES.rejected;
    return [record.id, { state, errors, last_error: '' }];
  });
}

// Sent records the server says it lacks go back in the queue, and their photos with them
// (the server answers "duplicate" for a photo it still has).
async function requeueMissing(deviceId, ranges) {
  const records = await outbox.allRecords();
  const missing = records.filter((r) => r.device_id === deviceId && r.state === outbox.STATES.sent &&
                                        !inRanges(r.seq, ranges));
  await outbox.markPhotos(missing.flatMap(outbox.photoIds), { state: 'pending' });
  await outbox.patchRecords(missing.map((r) => [r.id, { state: outbox.STATES.queued, last_error: 'resend' }]));
  await outbox.setMeta('held', { ranges, at: new Date().toISOString() });
  return missing.length;
}

// Returns how many records go back in the queue (another round sends them).
async function settle(batch, answer, deviceId) {
  const changes = applyResults(batch, answer);
  await outbox.patchRecords(changes);
  let again = changes.filter(([, patch]) => patch.last_error === 'dependency').map(([id]) => id);
  // A follow-up whose sighting was refused in earnest waits for that sighting's correction.
  const byId = new Map((await outbox.allRecords()).map((r) => [r.id, r]));
  const orphans = again.filter((id) => parentNeedsAttention(byId.get(id), byId));
  await outbox.patchRecords(orphans.map((id) => [id, { state: outbox.STATES.rejected, last_error: '',
                                                       waits_for: sightingOf(byId.get(id)) }]));
  again = again.filter((id) => !orphans.includes(id));
  const requeued = batch.filter((r) => again.includes(r.id));
  await outbox.markPhotos(requeued.flatMap(outbox.photoIds), { state: 'pending' });
  const resent = await requeueMissing(deviceId, answer.held.ranges);
  return resent + again.length;
}

// --- the flush ---

async function flushLocked({ force, grows, appVersion }) {
  const state = await outbox.getMeta('sync', { failures: 0, nextAttempt: 0 });
  if (!force && Date.now() < (state.nextAttempt || 0)) return { status: 'backoff' };

  const session = await getSession();
  const all = await outbox.allRecords();
  const pending = all.filter((r) => outbox.PENDING.includes(r.state));
  if (session.status === 'unreachable') {
    await outbox.patchRecords(pending.filter((r) => r.state === outbox.STATES.sending)
      .map((r) => [r.id, { state: outbox.STATES.queued }]));
    await recordFailure(session.problem, grows);
    return { status: 'offline' };
  }
  if (session.status === 'signed_out') {
    await parkForSignIn(pending);
    return { status: 'signed_out' };
  }
  const username = session.user.username;
  // Signed in and online: keep the server's key fresh and seal what an older version left
  // plain, before anything is sent.
  await outbox.refreshServerKey();
  await outbox.sealLegacy();
  await parkForSignIn(pending.filter((r) => r.user !== username));
  if (pending.length) await reportFirst(session.token, appVersion);

  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const { batch, more, stop } = await prepare(username, session.token);
    if (stop) {
      if (stop === 'offline') await recordFailure('photo_upload', grows);
      announce();
      if (!batch.length) return { status: stop };
    }
    const sent = await send(batch, session.token, appVersion);
    if (sent.outcome !== 'answer') {
      if (sent.outcome !== 'signed_out') await recordFailure(sent.problem, grows);
      announce();
      return { status: sent.outcome };
    }
    const again = await settle(batch, sent.answer, sent.deviceId);
    announce();
    if (stop) return { status: stop };
    if (!more && again === 0) break;
  }
  await recordSuccess();
  const held = await outbox.getMeta('held', { ranges: [] });
  await outbox.prune((r) => inRanges(r.seq, held.ranges));
  announce();
  return { status: 'synced' };
}

// Send what is pending. Web Locks keep two tabs and the worker from flushing at once.
// force: ignore the backoff; grows: a failure grows the backoff (false for a save's attempt).
export async function flush({ force = false, grows = true, appVersion = '' } = {}) {
  const run = () => flushLocked({ force, grows, appVersion });
  if (navigator.locks) return navigator.locks.request('tcd-flush', run);
  return run();
}
