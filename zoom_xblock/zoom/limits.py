"""Zoom's own numbers: what its API accepts, stated once for the client and the plugin."""
import datetime as dt
from collections.abc import Iterator, Sequence

BATCH_SIZE = 30  # registrants (or panelists) per batch call; the client splits longer lists
MAX_REGISTRANTS = 4999  # registrants per meeting or webinar
REGISTRANT_DAILY_LIMIT = 3  # requests about one registrant per day (Zoom's per-registrant limit)
MAX_TITLE = 200  # a meeting's or webinar's topic
MAX_AGENDA = 2000
MAX_ALTERNATIVE_HOSTS = 50
NO_REGISTRATION = 2  # a meeting's settings.approval_type when registration is off


def batches(items: Sequence) -> Iterator[Sequence]:
    """``items`` in order, in Zoom's batches of :data:`BATCH_SIZE` (the only place that cuts
    a list for Zoom: the client, and the sync that saves each batch as it lands)."""
    for start in range(0, len(items), BATCH_SIZE):
        yield items[start:start + BATCH_SIZE]


def zoom_day(moment: dt.datetime) -> dt.date:
    """The day Zoom counts its daily limits in: they reset at 00:00 UTC."""
    return moment.astimezone(dt.UTC).date()


def next_utc_midnight(moment: dt.datetime) -> dt.datetime:
    """When Zoom's daily limits reset after ``moment``."""
    return dt.datetime.combine(zoom_day(moment) + dt.timedelta(days=1), dt.time(0, 0),
                               tzinfo=dt.UTC)
