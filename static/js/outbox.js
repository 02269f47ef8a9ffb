// The outbox: every record is saved here first, in IndexedDB, before anything else happens.
// A record leaves the queue only when the server answers "accepted" or "duplicate"; it then
// stays as "sent" (with the server's receipt) for RETENTION_DAYS, so it can be sent again if
// the server ever says it lacks it (a restore from backup).
// Nothing readable stays here: a record's data is sealed on save with the server's public
// key (seal.js) and only the ciphertext and a summary that names nobody are kept; photos the
// same. A sent record's ciphertext can still be sent again after a server restore.
// No dependency on the DOM: the service worker imports this module too.
import * as seal from './seal.js';

const DB_NAME = 'tcd';
const DB_VERSION = 2;
export const RETENTION_DAYS = 30;

// States a record moves through. Only the server's answer moves it to "sent".
export const STATES = {
  queued: 'queued',            // saved on this device, waiting to be sent
  sending: 'sending',          // in a request right now
  sent: 'sent',                // the server holds it (receipt kept)
  rejected: 'rejected',        // the server refused it: needs the person's attention
  conflict: 'conflict',        // the server holds other content under this id
  waiting: 'waiting_signin',   // the author must sign in before it can be sent
};
export const PENDING = [STATES.queued, STATES.sending, STATES.waiting];

// Schema upgrades as a ladder: each step runs once, in order, and never drops a store,
// so an app update can never lose the outbox.
function upgrade(db, oldVersion) {
  if (oldVersion < 1) {
    db.createObjectStore('meta', { keyPath: 'key' });
    const outbox = db.createObjectStore('outbox', { keyPath: 'id' });
    outbox.createIndex('by_state', 'state');
    outbox.createIndex('by_user', 'user');
    outbox.createIndex('by_seq', 'seq', { unique: true });
  }
  if (oldVersion < 2) {
    // Photos taken in the field, reduced on the device, waiting to be uploaded.
    db.createObjectStore('photos', { keyPath: 'id' });
  }
}

let opening = null;
export function openDb() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = (event) => upgrade(request.result, event.oldVersion);
      request.onsuccess = () => {
        const db = request.result;
        // Another tab opening a newer version asks us to close: let it upgrade.
        db.onversionchange = () => { db.close(); opening = null; };
        resolve(db);
      };
      request.onerror = () => { opening = null; reject(request.error); };
      request.onblocked = () => console.warn('outbox upgrade waits for other tabs to close');
    });
  }
  return opening;
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function finished(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('transaction aborted'));
  });
}

function uuid() {
  return crypto.randomUUID();
}

// The device's secret (32 random bytes, hex): the server keeps its hash at first contact and
// refuses another device that claims this one's id.
function newSecret() {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function newDevice() {
  return { id: uuid(), secret: newSecret(), label: '', nextSeq: 1, createdAt: new Date().toISOString() };
}

export async function getMeta(key, fallback = null) {
  const db = await openDb();
  const row = await done(db.transaction('meta').objectStore('meta').get(key));
  return row ? row.value : fallback;
}

export async function setMeta(key, value) {
  const db = await openDb();
  const tx = db.transaction('meta', 'readwrite');
  tx.objectStore('meta').put({ key, value });
  await finished(tx);
}

export async function deleteMeta(keys) {
  const db = await openDb();
  const tx = db.transaction('meta', 'readwrite');
  for (const key of [].concat(keys)) tx.objectStore('meta').delete(key);
  await finished(tx);
}

export async function metaKeys() {
  const db = await openDb();
  return done(db.transaction('meta').objectStore('meta').getAllKeys());
}

// --- the server's public key (meta 'server_key' = {kid, jwk, fetched_at}: not secret) ---

export class NoServerKey extends Error {
  constructor() { super('no server key: this device must be online once, signed in'); this.code = 'no_server_key'; }
}

const KEY_REFRESH_MS = 10 * 60 * 1000;   // a rotated key reaches devices within minutes
let imported = null;                      // {kid, key} for this page or worker

// Fetch the key when online and signed in (app start, before a sync); failures keep the
// stored one. force: even if the stored one is fresh.
export async function refreshServerKey({ force = false, fetcher } = {}) {
  const stored = await getMeta('server_key');
  if (!force && stored && Date.now() - Date.parse(stored.fetched_at || 0) < KEY_REFRESH_MS) return stored;
  try {
    const fresh = { ...(await seal.fetchServerKey(fetcher)), fetched_at: new Date().toISOString() };
    await setMeta('server_key', fresh);
    return fresh;
  } catch (error) {
    return stored;
  }
}

async function serverKey() {
  const stored = await getMeta('server_key');
  if (!stored) throw new NoServerKey();
  if (!imported || imported.kid !== stored.kid) {
    imported = { kid: stored.kid, key: await seal.importServerKey(stored.jwk) };
  }
  return imported;
}

export async function hasServerKey() {
  return Boolean(await getMeta('server_key'));
}

async function sealData(type, id, user, data) {
  const { kid, key } = await serverKey();
  return seal.sealJson(key, kid, data, seal.recordContext(type, id, user));
}

// What the pages show of a record: its summary (records saved before sealing get one made).
function withSummary(record) {
  if (record && !record.summary) record.summary = seal.summarize(record.type, record.data);
  return record;
}

export function photoIds(record) {
  return record?.summary?.photos || record?.data?.photos || [];
}

// The device's identity: a UUID and a secret made here on first start, and the label a
// person gives it. A device made before secrets existed gets one now, beside its id.
export async function device() {
  const db = await openDb();
  const tx = db.transaction('meta', 'readwrite');
  const store = tx.objectStore('meta');
  let row = await done(store.get('device'));
  if (!row) {
    row = { key: 'device', value: newDevice() };
    store.put(row);
  } else if (!row.value.secret) {
    row.value.secret = newSecret();
    store.put(row);
  }
  await finished(tx);
  return row.value;
}

export async function setDeviceLabel(label) {
  const db = await openDb();
  const tx = db.transaction('meta', 'readwrite');
  const store = tx.objectStore('meta');
  const row = await done(store.get('device'));
  row.value.label = label.trim().slice(0, 100);
  store.put(row);
  await finished(tx);
  return row.value;
}

// Save a new record, sealed. Its id is made first (the ciphertext is bound to it), the
// sealing is done before the transaction (an await on crypto would end it), and the sequence
// number is taken in the transaction that stores it, so numbers are never skipped or reused.
export async function addRecord(type, data, user) {
  const id = uuid();
  const sealed = await sealData(type, id, user, data);
  const summary = seal.summarize(type, data);
  const db = await openDb();
  const tx = db.transaction(['meta', 'outbox'], 'readwrite');
  const meta = tx.objectStore('meta');
  let row = await done(meta.get('device'));
  if (!row) row = { key: 'device', value: newDevice() };
  if (!row.value.secret) row.value.secret = newSecret();
  const seq = row.value.nextSeq;
  row.value.nextSeq = seq + 1;
  meta.put(row);
  const now = new Date().toISOString();
  const record = {
    id, type, seq, device_id: row.value.id, created_at: now, user, sealed, summary,
    state: STATES.queued, attempts: 0, last_error: '', errors: null, receipt: null,
    updated_at: now,
  };
  tx.objectStore('outbox').add(record);
  await finished(tx);
  return record;
}

export async function getRecord(id) {
  const db = await openDb();
  return withSummary(await done(db.transaction('outbox').objectStore('outbox').get(id)));
}

export async function allRecords() {
  const db = await openDb();
  const records = await done(db.transaction('outbox').objectStore('outbox').getAll());
  return records.map(withSummary).sort((a, b) => a.seq - b.seq);
}

// Change records in one transaction: changes is a list of [id, patch].
export async function patchRecords(changes) {
  if (!changes.length) return;
  const db = await openDb();
  const tx = db.transaction('outbox', 'readwrite');
  const store = tx.objectStore('outbox');
  const now = new Date().toISOString();
  for (const [id, patch] of changes) {
    const request = store.get(id);
    request.onsuccess = () => {
      if (request.result) store.put({ ...request.result, ...patch, updated_at: now });
    };
  }
  await finished(tx);
}

export const NEEDS_ATTENTION = [STATES.rejected, STATES.conflict];

// Replace a refused record's data after the person corrected it, sealed again under the
// same type, id and author; it keeps id and seq.
export async function correctRecord(id, data) {
  const record = await getRecord(id);
  if (!record || !NEEDS_ATTENTION.includes(record.state)) {
    throw new Error('only a refused record can be corrected');
  }
  const sealed = await sealData(record.type, id, record.user, data);
  await replaceRecord(id, (stored) => {
    const { data: _plain, ...rest } = stored;
    return { ...rest, sealed, summary: seal.summarize(record.type, data), state: STATES.queued,
             errors: null, last_error: '', dependency_resends: 0, waits_for: null };
  });
}

// Put one record back changed by fn(stored) in one transaction (no await inside it).
async function replaceRecord(id, fn) {
  const db = await openDb();
  const tx = db.transaction('outbox', 'readwrite');
  const store = tx.objectStore('outbox');
  const request = store.get(id);
  request.onsuccess = () => {
    const changed = request.result && fn(request.result);
    if (changed) store.put({ ...changed, updated_at: new Date().toISOString() });
  };
  await finished(tx);
}

// A photo (already reduced) is sealed for its id and author and stored, ciphertext only,
// before the record that lists it. sha256, type and size describe the plaintext (the server
// checks them once it has opened the photo). The caller keeps the plaintext in memory for
// its thumbnail while the form is open.
export async function addPhoto(blob, sha256, user) {
  const id = uuid();
  const { kid, key } = await serverKey();
  const sealed = await seal.sealBlob(key, kid, blob, seal.photoContext(id, user));
  const db = await openDb();
  const tx = db.transaction('photos', 'readwrite');
  const photo = { id, blob: sealed.blob, type: blob.type, size: blob.size, sha256, user,
                  kid: sealed.kid, key: sealed.key, iv: sealed.iv,
                  state: 'pending', error: '', created_at: new Date().toISOString() };
  tx.objectStore('photos').add(photo);
  await finished(tx);
  return photo;
}

// Records and photos saved before this version kept plain data: seal them now (once the
// device knows the server's key), one put per row, each checked again inside its own
// transaction so a sync that changed the row meanwhile is not undone. A photo no record
// lists (a form never saved) is simply deleted.
export async function sealLegacy() {
  if (!(await hasServerKey())) return 0;
  const db = await openDb();
  const records = await done(db.transaction('outbox').objectStore('outbox').getAll());
  const photos = await done(db.transaction('photos').objectStore('photos').getAll());
  let changed = 0;
  const owner = new Map();
  for (const r of records) for (const id of photoIds(r)) owner.set(id, r.user);
  for (const photo of photos.filter((p) => !p.kid)) {
    const tx0 = () => db.transaction('photos', 'readwrite');
    if (!owner.has(photo.id)) {
      const tx = tx0();
      tx.objectStore('photos').delete(photo.id);
      await finished(tx);
      changed += 1;
      continue;
    }
    const user = owner.get(photo.id);
    let sealed;
    try {
      const { kid, key } = await serverKey();
      sealed = await seal.sealBlob(key, kid, photo.blob, seal.photoContext(photo.id, user));
    } catch (error) { console.warn('a photo could not be sealed', photo.id, error); continue; }
    const tx = tx0();
    const store = tx.objectStore('photos');
    const request = store.get(photo.id);
    request.onsuccess = () => {
      const now = request.result;
      if (now && !now.kid) {
        store.put({ ...now, blob: sealed.blob, user, kid: sealed.kid, key: sealed.key, iv: sealed.iv });
      }
    };
    await finished(tx);
    changed += 1;
  }
  for (const record of records.filter((r) => r.data && !r.sealed)) {
    let sealed;
    try {
      sealed = await sealData(record.type, record.id, record.user, record.data);
    } catch (error) { console.warn('a record could not be sealed', record.id, error); continue; }
    const summary = seal.summarize(record.type, record.data);
    await replaceRecord(record.id, (now) => {
      if (!now.data || now.sealed) return null;
      const { data: _plain, ...rest } = now;
      return { ...rest, sealed, summary };
    });
    changed += 1;
  }
  return changed;
}

export async function getPhoto(id) {
  const db = await openDb();
  return done(db.transaction('photos').objectStore('photos').get(id));
}

export async function markPhoto(id, patch) {
  await markPhotos([id], patch);
}

// One patch for several photos, in one transaction (a missing id is skipped).
export async function markPhotos(ids, patch) {
  if (!ids.length) return;
  const db = await openDb();
  const tx = db.transaction('photos', 'readwrite');
  const store = tx.objectStore('photos');
  for (const id of ids) {
    const request = store.get(id);
    request.onsuccess = () => { if (request.result) store.put({ ...request.result, ...patch }); };
  }
  await finished(tx);
}

export async function sha256Hex(blob) {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// Counts for the badge and the device report.
export async function summary(username) {
  const records = await allRecords();
  const pending = records.filter((r) => PENDING.includes(r.state));
  const mine = pending.filter((r) => r.user === username);
  const attention = records.filter((r) => r.user === username && NEEDS_ATTENTION.includes(r.state));
  const oldest = pending.reduce((min, r) => (!min || r.created_at < min ? r.created_at : min), null);
  return { pending: pending.length, mine: mine.length, others: pending.length - mine.length,
           attention: attention.length, oldest };
}

// Forget sent records older than the retention period that the server says it holds, then
// the photos no kept record lists: uploaded ones at once (their record has gone the same way),
// any other only past the retention period (a photo taken for a form never saved).
export async function prune(isHeld, now = Date.now()) {
  const limit = now - RETENTION_DAYS * 24 * 3600 * 1000;
  const db = await openDb();
  const tx = db.transaction(['outbox', 'photos'], 'readwrite');
  const store = tx.objectStore('outbox');
  const listed = new Set();
  const request = store.openCursor();
  request.onsuccess = () => {
    const cursor = request.result;
    if (!cursor) { prunePhotos(tx.objectStore('photos'), listed, limit); return; }
    const r = cursor.value;
    if (r.state === STATES.sent && Date.parse(r.sent_at || r.updated_at) < limit && isHeld(r)) {
      cursor.delete();
    } else {
      for (const id of photoIds(r)) listed.add(id);
    }
    cursor.continue();
  };
  await finished(tx);
}

function prunePhotos(photos, listed, limit) {
  const request = photos.openCursor();
  request.onsuccess = () => {
    const cursor = request.result;
    if (!cursor) return;
    const p = cursor.value;
    if (!listed.has(p.id) && (p.state === 'uploaded' || Date.parse(p.created_at) < limit)) cursor.delete();
    cursor.continue();
  };
}

export async function allPhotos() {
  const db = await openDb();
  return done(db.transaction('photos').objectStore('photos').getAll());
}
