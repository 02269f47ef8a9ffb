// For the leader and deputies: poll for flagged sightings and show them at once, with a
// sound that can be switched off (remembered on this device).
const POLL_MS = 5000;
const banner = document.getElementById('alert-banner');
const list = document.getElementById('alert-list');
const soundToggle = document.getElementById('alert-sound');
const SOUND_KEY = 'tcd-alert-sound';
const SINCE_KEY = 'tcd-alert-since';

function soundOn() { return localStorage.getItem(SOUND_KEY) !== 'off'; }

function showSoundState() {
  soundToggle.textContent = soundOn() ? soundToggle.dataset.off : soundToggle.dataset.on;
  soundToggle.setAttribute('aria-pressed', String(!soundOn()));
}

function beep() {
  if (!soundOn()) return;
  try {
    const audio = new AudioContext();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.value = 0.2;
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.6);
  } catch (error) { /* no audio device: the banner still shows */ }
}

function show(alert) {
  const li = document.createElement('li');
  li.dataset.id = alert.id;
  const a = document.createElement('a');
  a.href = alert.url;
  a.textContent = banner.dataset.template.replace('%n', alert.people).replace('%s', alert.site);
  li.append(a);
  list.prepend(li);
  banner.hidden = false;
}

async function poll() {
  const since = localStorage.getItem(SINCE_KEY) || new Date(Date.now() - 3600_000).toISOString();
  let answer;
  try {
    const response = await fetch(`/api/v1/alerts?since=${encodeURIComponent(since)}`,
                                 { credentials: 'same-origin', cache: 'no-store' });
    if (!response.ok) return;
    answer = await response.json();
  } catch (error) { return; }
  const fresh = answer.alerts.filter((a) => !list.querySelector(`[data-id="${a.id}"]`));
  fresh.forEach(show);
  if (fresh.length) beep();
  if (answer.alerts.length) localStorage.setItem(SINCE_KEY, answer.alerts.at(-1).flagged_at);
}

soundToggle.addEventListener('click', () => {
  localStorage.setItem(SOUND_KEY, soundOn() ? 'off' : 'on');
  showSoundState();
});
document.getElementById('alert-dismiss').addEventListener('click', () => {
  banner.hidden = true;
  list.replaceChildren();
});
showSoundState();
poll();
setInterval(poll, POLL_MS);
