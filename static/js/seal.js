// Sealing: what this device keeps of a record or photo, only the server can read.
// Each record's data is encrypted with a fresh AES-256-GCM key, and that key is wrapped with
// the server's RSA-OAEP (SHA-256) public key; the device keeps the ciphertext and a summary
// that names nobody. The ciphertext is bound (GCM additional data) to the record's type, id
// and author, so another user of the tablet cannot send it as his own, nor read it back.
// No DOM: the service worker imports this module too. pwa/sealing.py is the other half.

export const ALG = 'RSA-OAEP-256+A256GCM';
const RSA = { name: 'RSA-OAEP', hash: 'SHA-256' };
const IV_BYTES = 12;
const CHUNK = 0x8000; // String.fromCharCode.apply on more arguments than this can overflow

// --- base64 (standard alphabet, with padding: what the server's strict decoder accepts) ---

export function base64Chunked(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

export function bytesToBase64(input) {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  // Newer engines encode natively (and faster); the chunked loop is the fallback.
  return typeof bytes.toBase64 === 'function' ? bytes.toBase64() : base64Chunked(bytes);
}

export function base64ToBytes(text) {
  if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// --- what a ciphertext is bound to (pwa/sealing.py builds the same bytes) ---

function context(parts) {
  for (const part of parts) {
    if (typeof part !== 'string' || !part || part.length > 200 || /[\x00-\x1f]/.test(part)) {
      throw new Error('a sealing context part must be a short, single-line, non-empty string');
    }
  }
  return new TextEncoder().encode(parts.join('\n'));
}

export function recordContext(type, id, author) {
  return context(['tcd-seal-v1', type, id, author]);
}

export function photoContext(id, author) {
  return context(['tcd-photo-v1', id, author]);
}

// --- keys ---

// The server's public key from GET /api/v1/keys: {kid, jwk, alg}. Not extractable: it only
// encrypts. Keep {kid, jwk} in IndexedDB to seal offline; import it again on each start.
export async function importServerKey(jwk) {
  return crypto.subtle.importKey('jwk', jwk, RSA, false, ['encrypt']);
}

export async function fetchServerKey(fetcher = fetch) {
  const response = await fetcher('/api/v1/keys', { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`keys: HTTP ${response.status}`);
  const answer = await response.json();
  if (answer.alg !== ALG) throw new Error(`keys: unexpected algorithm ${answer.alg}`);
  return { kid: answer.kid, jwk: answer.jwk };
}

// --- sealing ---

async function sealBytes(publicKey, kid, bytes, additionalData) {
  if (!kid) throw new Error('sealing needs the key id');
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt']);
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData, tagLength: 128 },
                                         key, bytes);
  // Exported then encrypted (not wrapKey): the published key is for 'encrypt' only.
  const raw = await crypto.subtle.exportKey('raw', key);
  const wrapped = await crypto.subtle.encrypt(RSA, publicKey, raw);
  return { kid, key: bytesToBase64(new Uint8Array(wrapped)), iv: bytesToBase64(iv), ct };
}

// A record's data as the envelope's "sealed": {kid, key, iv, ct}, all base64.
export async function sealJson(publicKey, kid, object, additionalData) {
  if (!(additionalData instanceof Uint8Array)) throw new Error('sealJson needs recordContext(...)');
  const bytes = new TextEncoder().encode(JSON.stringify(object));
  const sealed = await sealBytes(publicKey, kid, bytes, additionalData);
  return { ...sealed, ct: bytesToBase64(new Uint8Array(sealed.ct)) };
}

// A photo: {kid, key, iv, blob} where blob is the ciphertext (the PUT body as it is).
export async function sealBlob(publicKey, kid, blob, additionalData) {
  if (!(additionalData instanceof Uint8Array)) throw new Error('sealBlob needs photoContext(...)');
  const sealed = await sealBytes(publicKey, kid, await blob.arrayBuffer(), additionalData);
  return { kid: sealed.kid, key: sealed.key, iv: sealed.iv,
           blob: new Blob([sealed.ct], { type: 'application/octet-stream' }) };
}

// Headers for uploading a sealed photo; Content-Type and X-Content-SHA256 describe the
// plaintext, which the server checks after opening it.
export function photoHeaders(sealed, type, sha256) {
  return { 'Content-Type': type, 'X-Content-SHA256': sha256, 'X-Sealed-Kid': sealed.kid,
           'X-Sealed-Key': sealed.key, 'X-Sealed-IV': sealed.iv };
}

// --- summaries: what the device may show of a record without the server ---
// Type, time, head count, commune codes and the ids that link records and photos (random
// UUIDs made on the device). Never a name, number, address, phone, free text, the kind of
// petition (a denunciation is itself sealed) or a watch-list entry.

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const codePattern = /^[0-9A-Za-z_]{1,20}$/;
const whenPattern = /^[0-9T:.+\-Z ]{4,40}$/;

const count = (v) => (Number.isInteger(v) && v >= 0 && v < 1e7 ? v : (typeof v === 'string' && /^\d{1,7}$/.test(v) ? Number(v) : null));
const code = (v) => (typeof v === 'string' && codePattern.test(v) ? v : '');
const when = (v) => (typeof v === 'string' && whenPattern.test(v) ? v : '');
const ids = (v) => (Array.isArray(v) ? v.filter((x) => typeof x === 'string' && uuidPattern.test(x)) : []);
const codes = (v) => (Array.isArray(v) ? v.map(code).filter(Boolean) : []);

const SUMMARIES = {
  visit: (d) => ({ when: when(d.received_on), shift: code(d.shift), people_count: count(d.people_count),
                   communes: codes([d.commune]), photos: [] }),
  sighting: (d) => ({ when: when(d.seen_at), people_count: count(d.people_count),
                      communes: codes(d.communes), site: code(d.site), photos: ids(d.photos) }),
  sighting_update: (d) => ({ when: when(d.at), people_count: count(d.people_count),
                             sighting: ids([d.sighting])[0] || '', closed: d.closed === true,
                             communes: [], photos: ids(d.photos) }),
};

export function summarize(type, data) {
  const make = SUMMARIES[type];
  const base = make ? make(data || {}) : { when: '', people_count: null, communes: [], photos: [] };
  return { type, ...base };
}
