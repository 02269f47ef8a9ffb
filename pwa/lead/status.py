"""The rules of the sync status page: what is wrong with a device, how serious it is, and in
what order the leader reads it.

Plain functions over plain values (no database, no HTTP, no translation), so the unit tests
state the rules directly; pwa/lead/facts.py gathers the values, pwa/lead/texts.py words them.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

# Silence with records waiting: a shift lasts about 4 hours, so 2 hours without contact while
# the device holds unsent records means someone should call its user.
SILENCE_LIMIT = timedelta(hours=2)
# Beyond 5 minutes a device's clock misdates what it records offline (shift, date, times).
CLOCK_LIMIT_SECONDS = 5 * 60
# Most serious first: records stuck on a device that may be lost or broken, records that never
# arrived, records the server refused (conflicts first: the device itself cannot fix them),
# then what causes trouble later (an old app, a wrong clock).
SEVERITY = ("silent_pending", "gaps", "conflict", "rejected", "outdated_app", "clock_skew")
# How each kind is shown: records may be lost, records were refused, trouble later.
LEVELS = {"silent_pending": "critical", "gaps": "critical", "conflict": "serious",
          "rejected": "serious", "outdated_app": "notice", "clock_skew": "notice"}
# How many ranges of missing numbers are listed per device; the count itself is always exact.
MAX_GAP_RANGES = 8


@dataclass
class DeviceFacts:
    """What the server knows about one device, as plain values."""

    id: str
    label: str = ""
    user: str = ""
    last_contact: datetime | None = None
    last_sync: datetime | None = None
    outbox_depth: int = 0
    oldest_pending: datetime | None = None
    highest_seq: int = 0
    # Missing numbers as inclusive ranges (possibly capped) and their exact count.
    gaps: list[list[int]] = field(default_factory=list)
    gaps_more: bool = False
    gap_count: int = 0
    rejected: int = 0
    conflicts: int = 0
    app_version: str = ""
    clock_skew_seconds: float = 0.0

    @property
    def name(self) -> str:
        """The label the user gave the device, else the start of its id."""
        return self.label or self.id[:8]


@dataclass(frozen=True)
class DeviceWarning:
    """One thing the leader should look at: what, on which device, and how much."""

    code: str
    device_id: str
    # The size of the problem (records waiting, numbers missing, seconds off…): the larger,
    # the earlier among warnings of the same kind.
    amount: float = 0

    @property
    def rank(self) -> int:
        return SEVERITY.index(self.code)


def is_silent_with_pending(device: DeviceFacts, now: datetime) -> bool:
    """Records wait on a device that has not been in contact for too long."""
    silent = device.last_contact is None or now - device.last_contact > SILENCE_LIMIT
    return silent and device.outbox_depth > 0


def is_outdated(device: DeviceFacts, server_version: str) -> bool:
    """The device runs another version of the app than the server serves."""
    return device.app_version != server_version


def is_clock_off(device: DeviceFacts) -> bool:
    """The device's clock is more than the limit ahead or behind the server's."""
    return abs(device.clock_skew_seconds) > CLOCK_LIMIT_SECONDS


def device_warnings(device: DeviceFacts, now: datetime,
                    server_version: str) -> list[DeviceWarning]:
    """Everything wrong with one device, most serious first."""
    found = []
    if is_silent_with_pending(device, now):
        found.append(DeviceWarning("silent_pending", device.id, device.outbox_depth))
    if device.gap_count:
        found.append(DeviceWarning("gaps", device.id, device.gap_count))
    if device.conflicts:
        found.append(DeviceWarning("conflict", device.id, device.conflicts))
    if device.rejected:
        found.append(DeviceWarning("rejected", device.id, device.rejected))
    if is_outdated(device, server_version):
        found.append(DeviceWarning("outdated_app", device.id))
    if is_clock_off(device):
        found.append(DeviceWarning("clock_skew", device.id, abs(device.clock_skew_seconds)))
    return found


def all_warnings(devices: list[DeviceFacts], now: datetime,
                 server_version: str) -> list[DeviceWarning]:
    """Every device's warnings in one list: by severity, then the largest first, then by
    device name, so the same state always reads in the same order."""
    names = {d.id: d.name.casefold() for d in devices}
    found = [w for d in devices for w in device_warnings(d, now, server_version)]
    return sorted(found, key=lambda w: (w.rank, -w.amount, names[w.device_id], w.device_id))


def devices_in_order(devices: list[DeviceFacts],
                     warnings: list[DeviceWarning]) -> list[DeviceFacts]:
    """Devices needing attention first (the worst first), then the healthy ones: those with
    a label by name, then the unlabelled by id."""
    worst: dict[str, int] = {}
    for position, warning in enumerate(warnings):
        worst.setdefault(warning.device_id, position)
    return sorted(devices, key=lambda d: (worst.get(d.id, len(warnings)), not d.label,
                                          d.name.casefold(), d.id))


def missing_ranges(present: list[list[int]], highest: int) -> list[list[int]]:
    """The numbers from 1 to highest that no present range covers, as inclusive ranges.

    `present` are sorted, non-overlapping runs of numbers the server holds or has a problem
    record for: [[1, 4], [7, 9]] with highest 12 -> [[5, 6], [10, 12]].
    """
    missing, expected = [], 1
    for low, high in present:
        if low > highest:
            break
        if low > expected:
            missing.append([expected, low - 1])
        expected = max(expected, high + 1)
    if expected <= highest:
        missing.append([expected, highest])
    return missing


def count_numbers(ranges: list[list[int]]) -> int:
    """How many numbers inclusive ranges cover."""
    return sum(high - low + 1 for low, high in ranges)


def capped(ranges: list[list[int]], limit: int = MAX_GAP_RANGES) -> tuple[list[list[int]], bool]:
    """The first `limit` ranges, and whether some were left out."""
    return ranges[:limit], len(ranges) > limit


def ranges_text(ranges: list[list[int]], more: bool = False) -> str:
    """Ranges as a person reads them: [[3, 5], [9, 9]] -> "3–5, 9" (", …" when capped)."""
    parts = [str(low) if low == high else f"{low}–{high}" for low, high in ranges]
    return ", ".join(parts + (["…"] if more else []))
