"""What course staff see about a session: counts, attendance, sync runs, alerts, the registrant
report (one page at a time) and its CSV export.

Every function costs a fixed number of queries whatever the number of registrants: counts are
aggregates, a report page is one COUNT and one page of ``values()`` rows (no per-row query),
and the CSV is read in keyset chunks of :data:`CSV_CHUNK` rows so memory stays flat at any size
(MySQL drivers buffer a whole result set, so a single ``iterator()`` would not be enough there).
"""
import csv
import math
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.utils import timezone

from zoom_xblock import attended, wording
from zoom_xblock.i18n import gettext as _
from zoom_xblock.learners import eligibility
from zoom_xblock.models import (
    AttendanceInterval,
    Recording,
    Registration,
    SessionAlert,
    SyncRun,
    ZoomSession,
)

State = Registration.State
PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
MAX_QUERY_LENGTH = 100
CSV_CHUNK = 2000
FAILURE_REASONS_SHOWN = 10
# Report columns staff can sort by -> the ordering (ties broken by id, so pages never overlap).
SORTS = {
    "name": (Lower("first_name"), Lower("last_name")),
    "email": (Lower("email"),),
    "state": ("state",),
    "registered_at": ("registered_at",),
    "attended": ("attended_seconds",),
}
REPORT_FIELDS = ("id", "user_id", "first_name", "last_name", "email", "state", "wanted",
                 "eligibility_reason", "last_error", "registered_at", "attended_seconds",
                 "completed_at", "registrant_id")
# A "cancelled" row that never reached Zoom (no registrant id) is a learner who was never
# registered: staff see them apart from the cancellations, with the reason in words.
NOT_REGISTERED = "not_registered"


# Whole minutes, rounded as the learner reads them (the one attendance definition).
minutes = attended.attended_minutes


def iso(moment: datetime | None) -> str | None:
    """An aware datetime as ISO 8601 in UTC (None stays None)."""
    return moment.astimezone(UTC).isoformat() if moment else None


def shown(moment: datetime | None) -> str:
    """An aware datetime as staff read it: ``2030-01-15 14:00 UTC`` ("" for None)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def reason_label(reason: str) -> str:
    """Why a learner is not registered, in words (an eligibility code: ``not_enrolled``...)."""
    labels = {
        eligibility.NOT_ENROLLED: _("Not enrolled in the course"),
        eligibility.PREREQUISITE: _("Requirements not met yet"),
        eligibility.NO_ACCESS: _("No access to this part of the course"),
        eligibility.NOT_LOGGED_IN: _("Not signed in"),
    }
    return str(labels.get(reason, reason))


def registration_label(state: str, registrant_id: str = "") -> str:
    """The name of a registration's bucket, in words."""
    if state == State.CANCELLED and not registrant_id:
        return str(_("Not registered"))
    return state_label(state)


def bucket(state: str, registrant_id: str = "") -> str:
    """The bucket a registration is counted in (:data:`NOT_REGISTERED` or its state)."""
    return NOT_REGISTERED if state == State.CANCELLED and not registrant_id else state


# --- The summary --------------------------------------------------------------------------------

def state_counts(session: ZoomSession) -> dict:
    """``{state: count}`` for every state (zeros included) and the failures' reasons."""
    counts = {state: 0 for state in State.values}
    counts[NOT_REGISTERED] = 0
    for row in (Registration.objects.filter(session=session).order_by()
                .values("state").annotate(n=Count("id"), never=Count(
                    "id", filter=Q(state=State.CANCELLED, registrant_id="")))):
        counts[row["state"]] = counts.get(row["state"], 0) + row["n"] - row["never"]
        counts[NOT_REGISTERED] += row["never"]
    labels = [*State.choices, (NOT_REGISTERED, _("Not registered"))]
    reasons = list(
        Registration.objects.filter(session=session, state=State.FAILED).order_by()
        .values("last_error").annotate(n=Count("id")).order_by("-n", "last_error")
        [:FAILURE_REASONS_SHOWN])
    return {
        "counts": counts,
        "states": [{"state": state, "label": str(label), "count": counts[state]}
                   for state, label in labels],
        "failed_reasons": [{"reason": wording.stored_text(row["last_error"])
                            or _("No reason given"), "count": row["n"]} for row in reasons],
        "total": sum(counts.values()),
    }


def attendance_summary(session: ZoomSession) -> dict:
    """Attended, no-shows and minutes of the registrants, and walk-ins (people nobody matched)."""
    totals = Registration.objects.filter(session=session).aggregate(
        attended=Count("id", filter=Q(attended_seconds__gte=attended.ATTENDED_MIN_SECONDS)),
        no_shows=Count("id", filter=Q(state=State.REGISTERED,
                                      attended_seconds__lt=attended.ATTENDED_MIN_SECONDS)),
        seconds=Sum("attended_seconds"),
        completed=Count("id", filter=Q(completed_at__isnull=False)),
    )
    # One walk-in per person: their e-mail, else their name, else Zoom's participant key.
    person = Coalesce(NullIf(Lower("email"), Value("")), NullIf("name", Value("")),
                      "participant_key")
    # The organizer and the alternative hosts run the session: they are not walk-ins.
    hosts = [email.strip().lower() for email in [session.host_email,
                                                 *(session.alternative_hosts or [])]
             if isinstance(email, str) and email.strip()]
    unmatched = (AttendanceInterval.objects.filter(session=session, registration__isnull=True)
                 .annotate(lower_email=Lower("email")).exclude(lower_email__in=hosts))
    if session.actual_start is not None:  # people seen only in a test run do not count
        unmatched = unmatched.exclude(leave_time__lt=session.actual_start)
    walk_ins = unmatched.aggregate(n=Count(person, distinct=True))["n"]
    ended = session.live_status == ZoomSession.LiveStatus.ENDED
    return {
        "attended": totals["attended"],
        "no_shows": totals["no_shows"] if ended else None,
        "minutes": minutes(totals["seconds"]),
        "completed": totals["completed"],
        "walk_ins": walk_ins,
        "ended": ended,
        "required_minutes": attended.required_minutes(session),
    }


def run_status(run: SyncRun | None, zone: str = "UTC") -> dict | None:
    """A sync run as the staff view's JSON (None when there is none). Its message is worded
    now: ``message`` as text (times in ``zone``), ``message_html`` with ``<time>`` elements."""
    if run is None:
        return None
    finished = run.outcome != SyncRun.Outcome.RUNNING
    return {
        "id": run.id,
        "trigger": run.trigger,
        "full": run.full,
        "outcome": run.outcome,
        "outcome_display": str(run.get_outcome_display()),
        "finished": finished,
        "total": run.total,
        "done": min(run.done, run.total) if run.total else run.done,
        "added": run.added,
        "cancelled": run.cancelled,
        "waitlisted": run.waitlisted,
        "failed": run.failed,
        "message": wording.stored_text(run.message, zone),
        "message_html": str(wording.render(run.message, wording.Words(zone=zone))),
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at),
        "when": shown(run.finished_at or run.started_at),
        "when_html": str(wording.Words(zone=zone).time(run.finished_at or run.started_at)),
    }


def latest_run(session: ZoomSession, after: int = 0) -> SyncRun | None:
    """The session's most recent sync run (with an id above ``after``), if any."""
    return SyncRun.objects.filter(session=session, id__gt=after).order_by("-id").first()


def open_alerts(session: ZoomSession) -> list[dict]:
    """Alerts nobody dismissed yet, newest first, worded now (``*_html``: with ``<time>``
    elements the page shows in the viewer's zone)."""
    words = wording.Words(zone=session.timezone or "UTC")
    return [{"id": alert.id, "kind": alert.kind, "kind_display": str(alert.get_kind_display()),
             "message": wording.stored_text(alert.message, words.zone),
             "message_html": str(wording.render(alert.message, words)),
             "created": iso(alert.created), "when": shown(alert.created),
             "when_html": str(words.time(alert.created))}
            for alert in SessionAlert.objects.filter(session=session, resolved_at__isnull=True)
            .order_by("-created", "-id")[:50]]


def dismiss_alert(session: ZoomSession, alert_id: int) -> bool:
    """Resolve one of this session's open alerts; False if there is no such open alert."""
    return bool(SessionAlert.objects.filter(session=session, id=alert_id,
                                            resolved_at__isnull=True)
                .update(resolved_at=timezone.now()))


def recordings(session: ZoomSession) -> list[dict]:
    """The session's cloud recordings, newest first."""
    return [{"topic": rec.topic, "share_url": rec.share_url, "recorded_at": iso(rec.recorded_at),
             "when": shown(rec.recorded_at), "duration_minutes": rec.duration_minutes}
            for rec in Recording.objects.filter(session=session)
            .order_by("-recorded_at", "-id")[:50]]


def test_runs(session: ZoomSession) -> list[dict]:
    """The runs that ended well before the start (sound checks), newest first: they count for
    nobody's attendance, and the session stayed upcoming."""
    shown_runs = []
    for run in reversed(session.test_runs or []):
        start, end = _moment(run.get("start")), _moment(run.get("end"))
        shown_runs.append({"start": iso(start), "end": iso(end), "when": shown(start or end),
                           "minutes": (minutes((end - start).total_seconds())
                                       if start and end else None)})
    return shown_runs


def _moment(value) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def panelists(session: ZoomSession) -> list[dict]:
    """A webinar's panelists (the course's instructors other than the organizer), and
    whether Zoom has them yet; a meeting has none."""
    from zoom_xblock.models import Panelist  # pylint: disable=import-outside-toplevel

    if session.kind != ZoomSession.Kind.WEBINAR:
        return []
    return [{"name": row.name or row.email, "email": row.email, "in_zoom": row.synced}
            for row in Panelist.objects.filter(session=session, wanted=True).order_by("name",
                                                                                     "email")]


def summary(session: ZoomSession | None) -> dict:
    """Everything the staff panel shows above the report (a fixed number of queries)."""
    if session is None:
        return {"session": None}
    return {
        "session": session,
        "registrations": state_counts(session),
        "attendance": attendance_summary(session),
        "test_runs": test_runs(session),
        "last_run": run_status(latest_run(session), session.timezone or "UTC"),
        "alerts": open_alerts(session),
        "recordings": recordings(session),
        "failed_events": failed_events(session),
        "panelists": panelists(session),
    }


def failed_events(session: ZoomSession) -> list[dict]:
    """Zoom events about the session that could not be applied (newest first, with why)."""
    from zoom_xblock.webhooks import zoom_events  # pylint: disable=import-outside-toplevel

    if session.zoom_id is None:
        return []
    return [{**item, "received_at": iso(item["received_at"]),
             "when": shown(item["received_at"])}
            for item in zoom_events.failed_events(session.zoom_id, limit=10)]


# --- The registrant report ---------------------------------------------------------------------

@dataclass(frozen=True)
class ReportQuery:
    """Search, sort and page of the registrant report, read from untrusted input."""

    search: str = ""
    sort: str = "name"
    descending: bool = False
    page: int = 1
    page_size: int = PAGE_SIZE

    @classmethod
    def from_data(cls, data) -> "ReportQuery":
        """Clean a handler's JSON (anything unexpected falls back to the default)."""
        data = data if isinstance(data, dict) else {}
        search = data.get("search") if isinstance(data.get("search"), str) else ""
        sort = data.get("sort") if isinstance(data.get("sort"), str) and (
            data.get("sort") in SORTS) else "name"
        return cls(search=search.strip()[:MAX_QUERY_LENGTH], sort=sort,
                   descending=data.get("direction") == "desc",
                   page=_positive(data.get("page"), 1),
                   page_size=min(_positive(data.get("page_size"), PAGE_SIZE), MAX_PAGE_SIZE))


MAX_PAGE = 10**6


def _positive(value, default: int) -> int:
    """A whole number from 1 to :data:`MAX_PAGE`, or ``default`` (``Infinity``, ``NaN``,
    ``"1e999"``, a 5,000-digit string or a list all fall back)."""
    if isinstance(value, bool) or (isinstance(value, str) and len(value) > 12):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return default
    return number if 0 < number <= MAX_PAGE else default


def _search(queryset, search: str):
    """Every word must appear in the first name, last name or e-mail (case-insensitive)."""
    for word in search.split()[:5]:
        queryset = queryset.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word)
                                   | Q(email__icontains=word))
    return queryset


def _ordering(query: ReportQuery) -> list:
    ordering = []
    for column in (*SORTS[query.sort], "id"):
        expression = F(column) if isinstance(column, str) else column
        ordering.append(expression.desc(nulls_last=True) if query.descending
                        else expression.asc(nulls_last=True))
    return ordering


def state_label(state: str) -> str:
    """The translated name of a registration state."""
    return str(dict(State.choices).get(state, state))


def _row(values: dict) -> dict:
    """One report row as JSON."""
    name = f"{values['first_name']} {values['last_name']}".strip()
    if values["state"] == State.FAILED:
        detail = wording.stored_text(values["last_error"])
    elif not values["wanted"] and values["eligibility_reason"]:
        detail = reason_label(values["eligibility_reason"])
    else:
        detail = ""
    return {
        "id": values["id"],
        "user_id": values["user_id"],
        "name": name,
        "email": values["email"],
        "state": bucket(values["state"], values["registrant_id"]),
        "state_display": registration_label(values["state"], values["registrant_id"]),
        "detail": detail,
        "registered_at": iso(values["registered_at"]),
        "registered_display": shown(values["registered_at"]),
        "attended_minutes": minutes(values["attended_seconds"]),
        "attended": attended.has_attended(values["attended_seconds"]),
        "completed": values["completed_at"] is not None,
    }


def report_page(session: ZoomSession | None, query: ReportQuery) -> dict:
    """One page of the registrant report: two queries (count and page) at any size."""
    rows, total = [], 0
    if session is not None:
        queryset = _search(Registration.objects.filter(session=session), query.search)
        total = queryset.count()
    pages = max(1, math.ceil(total / query.page_size))
    page = min(query.page, pages)
    if total:
        start = (page - 1) * query.page_size
        rows = [_row(values) for values in queryset.order_by(*_ordering(query))
                .values(*REPORT_FIELDS)[start:start + query.page_size]]
    return {
        "rows": rows,
        "total": total,
        "page": page,
        "pages": pages,
        "page_size": query.page_size,
        "search": query.search,
        "sort": query.sort,
        "direction": "desc" if query.descending else "asc",
    }


# --- CSV ------------------------------------------------------------------------------------------

class _Echo:
    """A file-like object whose ``write`` returns the line (csv writes into a generator)."""

    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    """A spreadsheet-safe cell: text that starts like a formula is quoted with '."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_time(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def csv_header() -> list[str]:
    """The export's columns, in the viewer's language."""
    return [_("Registrant"), _("E-mail"), _("State"), _("Registered at (UTC)"),
            _("Attended minutes"), _("Completion")]


def csv_lines(session: ZoomSession, chunk_size: int = CSV_CHUNK):
    """The CSV export, line by line: rows read in keyset chunks (bounded memory at any size)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(csv_header())  # the BOM tells spreadsheets it is UTF-8
    complete, incomplete = _("Complete"), _("Not complete")
    last_id = 0
    fields = ("id", "first_name", "last_name", "email", "state", "registered_at",
              "attended_seconds", "completed_at", "registrant_id")
    while True:
        read = 0
        chunk = (Registration.objects.filter(session=session, id__gt=last_id).order_by("id")
                 .values_list(*fields)[:chunk_size])
        for (row_id, first, last, email, state, registered, seconds, completed,
             registrant_id) in chunk.iterator(chunk_size=chunk_size):
            yield writer.writerow([
                _cell(f"{first} {last}".strip()), _cell(email),
                registration_label(state, registrant_id), _csv_time(registered), minutes(seconds),
                complete if completed else incomplete,
            ])
            last_id, read = row_id, read + 1
        if read < chunk_size:
            return


def csv_filename(session: ZoomSession) -> str:
    """``zoom-registrants-<meeting id or session id>.csv``."""
    return f"zoom-registrants-{session.zoom_id or session.id}.csv"
