// Dates, times and durations as officials write them, whatever the browser's locale:
// dd/mm/yyyy, HH:MM on a 24-hour clock. The one place the device formats them.
const pad = (n) => String(n).padStart(2, '0');

function asDate(value) {
  if (value instanceof Date) return value;
  if (value === null || value === undefined || value === '') return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function dateText(value = new Date()) {
  const d = asDate(value);
  return d ? `${pad(d.getDate())}/${pad(d.getMonth() + 1)}/${d.getFullYear()}` : '';
}

export function timeText(value = new Date()) {
  const d = asDate(value);
  return d ? `${pad(d.getHours())}:${pad(d.getMinutes())}` : '';
}

export function dateTimeText(value = new Date()) {
  const d = asDate(value);
  return d ? `${dateText(d)} ${timeText(d)}` : '';
}

// A span of time as H:MM (or M:SS under an hour when seconds matter), never negative.
export function durationText(seconds, { withSeconds = false } = {}) {
  const total = Math.max(0, Math.round(Number(seconds) || 0));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  if (withSeconds && hours === 0) return `${minutes}:${pad(total % 60)}`;
  return `${hours}:${pad(minutes)}`;
}
