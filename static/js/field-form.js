// The sighting and follow-up forms on a phone: location, photos reduced on the device,
// saved to the outbox first (online or not), then sent by the sync client.
import * as outbox from './outbox.js';
import { currentUsername } from './session.js';
import { dateTimeText } from './format.js';
import { fillFields, outboxForm } from './outbox-form.js';
import { checker, loadRules } from './rules.js';

const form = document.getElementById('field-form');
const type = form.dataset.recordType;
const MAX_SIDE = 1600;        // px: plenty to recognise a banner, a few hundred KB as JPEG
const JPEG_QUALITY = 0.8;
let photoIds = [];

// --- photos ---
const photoBox = document.getElementById('field-photos');
const photoError = document.getElementById('photos-error');
const thumbs = document.getElementById('photo-thumbs');

function showPhotoError(text) {
  photoError.textContent = text;
  photoError.hidden = !text;
}

async function reduce(file) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', JPEG_QUALITY));
}

// plain: the reduced photo in memory while this form is open (the device keeps only its
// ciphertext); a photo reopened for a correction has none and shows a line instead.
function addThumb(photo, plain) {
  const li = document.createElement('li');
  let img;
  if (plain) {
    img = document.createElement('img');
    img.src = URL.createObjectURL(plain);
    img.alt = '';
  } else {
    img = document.createElement('span');
    img.className = 'kept';
    img.textContent = photoBox.dataset.kept;
  }
  const remove = document.createElement('button');
  remove.type = 'button';
  remove.className = 'button';
  remove.textContent = '✕';
  remove.setAttribute('aria-label', photoBox.dataset.remove);
  remove.addEventListener('click', () => {
    photoIds = photoIds.filter((id) => id !== photo.id);
    li.remove();
    showPhotoError('');
  });
  li.append(img, remove);
  thumbs.append(li);
}

async function takePhotos(event) {
  const max = Number(photoBox.dataset.max);
  showPhotoError('');
  for (const file of event.target.files) {
    if (photoIds.length >= max) { showPhotoError(photoBox.dataset.tooMany); break; }
    let blob;
    try { blob = await reduce(file); } catch (error) { showPhotoError(photoBox.dataset.notImage); continue; }
    let photo;
    try {
      if (!(await outbox.hasServerKey())) await outbox.refreshServerKey({ force: true });
      photo = await outbox.addPhoto(blob, await outbox.sha256Hex(blob), await currentUsername());
    } catch (error) {
      if (error?.code !== 'no_server_key') throw error;
      showPhotoError(document.getElementById('save-status')?.dataset.noKey || '');
      break;
    }
    photoIds.push(photo.id);
    addThumb(photo, blob);
  }
  event.target.value = '';
  form.dataset.dirty = '1';   // (a file input fires no 'input' the controller hears)
}

// --- location (optional, never required) ---
function useLocation() {
  const button = document.getElementById('use-location');
  const text = document.getElementById('location-text');
  if (!navigator.geolocation) { text.textContent = button.dataset.failed; return; }
  text.textContent = button.dataset.locating;
  navigator.geolocation.getCurrentPosition((position) => {
    const { latitude, longitude, accuracy } = position.coords;
    form.elements.latitude.value = latitude.toFixed(6);
    form.elements.longitude.value = longitude.toFixed(6);
    form.elements.accuracy.value = Math.round(accuracy);
    text.textContent = `${latitude.toFixed(5)}, ${longitude.toFixed(5)} (± ${Math.round(accuracy)} m)`;
  }, () => { text.textContent = button.dataset.failed; }, { enableHighAccuracy: true, timeout: 20000 });
}

// --- the record ---
const numberOrNull = (value) => (String(value).trim() === '' ? null : Number(value));

function collect() {
  const data = new FormData(form);
  if (type === 'sighting') {
    return {
      site: data.get('site'), place_text: data.get('place_text') || '',
      latitude: numberOrNull(data.get('latitude')), longitude: numberOrNull(data.get('longitude')),
      accuracy: numberOrNull(data.get('accuracy')), seen_at: data.get('seen_at'),
      people_count: numberOrNull(data.get('people_count')), communes: data.getAll('communes'),
      watch_entry: data.get('watch_entry') || '', demands: data.get('demands') || '',
      banners: data.get('banners') || '', leaders: data.get('leaders') || '',
      police: data.get('police'), notes: data.get('notes') || '', photos: [...photoIds],
    };
  }
  return {
    sighting: data.get('sighting'), at: data.get('at'),
    people_count: numberOrNull(data.get('people_count')), action: data.get('action') || '',
    note: data.get('note') || '', photos: [...photoIds], closed: data.has('closed'),
  };
}

// After a save: the follow-up link for the sighting just saved.
function shown(record) {
  const addUpdate = document.getElementById('add-update');
  if (type === 'sighting' && addUpdate) {
    addUpdate.href = `/field/updates/new?sighting=${encodeURIComponent(record.id)}`;
    addUpdate.hidden = false;
  }
}

// A refused record opened for correction: its fields and its photos (kept on this device).
async function fill(data) {
  const { photos = [], ...fields } = data;
  fillFields(form, fields);
  photoIds = [];
  thumbs.replaceChildren();
  for (const id of photos) {
    const photo = await outbox.getPhoto(id);
    if (!photo) continue;
    photoIds.push(id);
    addThumb(photo, null);
  }
  if (type === 'sighting') showPlaceText();
  else describeSighting(fields.sighting);
}

function resetForm() {
  const keep = type === 'sighting' ? ['site', 'place_text'] : ['sighting'];
  for (const element of form.elements) {
    if (!element.name || keep.includes(element.name)) continue;
    if (element.type === 'checkbox') element.checked = false;
    else if (element.tagName === 'SELECT') element.selectedIndex = 0;
    else if (element.type !== 'file') element.value = '';
  }
  photoIds = [];
  thumbs.replaceChildren();
  setDefaults();
}

function setDefaults() {
  const timeField = form.elements.seen_at || form.elements.at;
  timeField.value = dateTimeText();
}

// Watch-list entries come from this device's copy (kept by app.js), not from the page:
// the cached page then holds no one's name.
async function fillWatchEntries() {
  const select = form.elements.watch_entry;
  if (!select) return;
  const list = await outbox.getMeta(`watchlist:${await currentUsername()}`);
  for (const entry of list?.entries || []) select.add(new Option(entry.name, String(entry.id)));
}

function showPlaceText() {
  if (!form.elements.site) return;
  const levels = JSON.parse(form.dataset.siteLevels || '{}');
  const other = levels[form.elements.site.value] === 'other';
  for (const el of form.querySelectorAll('.when-other-place')) el.hidden = !other && !el.classList.contains('has-error');
}

async function describeSighting(given) {
  const id = given || new URLSearchParams(window.location.search).get('sighting') || '';
  form.elements.sighting.value = id;
  const summary = document.getElementById('sighting-summary');
  const record = id && await outbox.getRecord(id);
  if (record && record.type === 'sighting') {
    const { when = '', people_count: people = '' } = record.summary || {};
    summary.textContent = `#${record.seq} · ${when} · ${people ?? ''}`;
  } else if (!id) {
    summary.textContent = summary.dataset.unknown;
  }
}

document.getElementById('photo-input').addEventListener('change', takePhotos);
setDefaults();
const siteLevel = () => (form.elements.site
  ? { site_level: JSON.parse(form.dataset.siteLevels || '{}')[form.elements.site.value] || '' } : {});
const controller = outboxForm({ form, type, collect, fill, reset: resetForm, onShown: shown,
                                check: checker(form, type, siteLevel) });
loadRules();   // keep the rules document fresh in the worker's cache
if (type === 'sighting') {
  document.getElementById('use-location').addEventListener('click', useLocation);
  form.elements.site.addEventListener('change', showPlaceText);
  showPlaceText();
  fillWatchEntries();
} else {
  controller.ready.then(() => { if (!form.elements.sighting.value) describeSighting(); });
}
