"""The columns every record made on a device carries, in one mixin (visits, sightings,
follow-ups, and every record type still to come)."""
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow


class DeviceFact:
    """A fact made on a device: its id, where and in what order it was made, a keyed hash
    of its original content, the device's clock and the server's.

    (device_id, seq) is unique per table (each model names its constraint); that index also
    serves every lookup by device, so there is no single-column index on device_id.
    """

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(36))
    seq: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the device's clock
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    # The column naming the record's author (the desk's officer, the field's reporter).
    author_column = "officer_id"

    @property
    def author_id(self) -> int:
        return getattr(self, self.author_column)
