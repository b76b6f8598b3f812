"""Participant sync: every eligible learner registered in Zoom, nobody else, nothing lost.

Desired state: learners with an active enrollment who meet the block's requirements, up to the
capacity (beyond it a first-come waitlist). Actual state: the ``Registration`` rows (and, on a
full reconciliation, Zoom's own registrant list). A sync pass, under a per-session lock, applies
the difference: cancels first (freeing seats), re-approves returning learners, adds the rest in
batches of 30. Every step is saved as it lands, so a pass that dies half-way loses nothing and
repeating a pass changes nothing more. Zoom's per-registrant limit (3 requests a day) and daily
quotas defer work to the reset time instead of hammering.
"""
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from zoom_xblock import bulk_rows, panelists, platform, problems, zoom, zoom_side
from zoom_xblock.accounts import session_account_name
from zoom_xblock.clients import NotConfigured, get_client
from zoom_xblock.conf import get_config
from zoom_xblock.intents import (
    nudge_learner,
    nudge_sync,
    schedule_sync,
)
from zoom_xblock.learners import eligibility
from zoom_xblock.locks import exclusive
from zoom_xblock.models import Registration, SessionAlert, SyncRun, ZoomSession
from zoom_xblock.wording import stored
from zoom_xblock.zoom.limits import (
    MAX_REGISTRANTS,
    NO_REGISTRATION,
    REGISTRANT_DAILY_LIMIT,
    batches,
    next_utc_midnight,
    zoom_day,
)
from zoom_xblock.zoom.registrants import cut_name, email_problem

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
State = Registration.State
# Errors about the meeting, the account or Zoom itself: the pass stops and retries later,
# and no learner is blamed for them.
SESSION_WIDE = (zoom.ZoomUnavailable, zoom.ZoomRateLimited, zoom.ZoomAuthError,
                zoom.ZoomScopeError, zoom.ZoomNotFound, zoom.ZoomMeetingOver)
SYNCABLE = (ZoomSession.Status.SCHEDULED, ZoomSession.Status.UPDATING,
            ZoomSession.Status.DEFERRED)


class Interrupted(Exception):
    """Zoom stopped answering for the whole session (down, throttled, daily quota), or refuses
    every registration for the meeting's own reason (``blocked``: code and parameters)."""

    def __init__(self, message: str, retry_at: datetime | None,
                 outcome: str = SyncRun.Outcome.FAILED, blocked: tuple[str, dict] | None = None):
        super().__init__(message)
        self.retry_at, self.outcome, self.blocked = retry_at, outcome, blocked


# --- Desired state ------------------------------------------------------------------------------

def record_desired_state(session: ZoomSession, user_ids=None) -> dict:
    """Bring the rows in line with enrollments, eligibility and capacity (no Zoom call).
    ``user_ids``: re-check only these learners (the others' rows still count for seats)."""
    learners = platform.enrolled_learners(session.course_key, user_ids)
    answers = eligibility.for_learners(session, [learner.id for learner in learners])
    rows = {row.user_id: row for row in Registration.objects.filter(session=session)}
    now = timezone.now()
    created, changed = [], []
    for learner in learners:
        answer = answers[learner.id]
        row = rows.get(learner.id)
        if row is None:
            row = Registration(session=session, user_id=learner.id, created=now)
            created.append(row)
            rows[learner.id] = row
        elif _learner_changed(row, learner, answer):
            changed.append(row)
        if row.email and row.email != learner.email and row.state == State.FAILED:
            row.state, row.attempts, row.last_error = State.PENDING, 0, ""  # a fixed e-mail
        row.email, row.first_name = learner.email, cut_name(learner.first_name)
        row.last_name = cut_name(learner.last_name)
        row.wanted = answer.eligible
        row.eligible, row.eligibility_reason = answer.eligible, answer.reason
        row.eligibility_checked_at = now
    enrolled = {learner.id for learner in learners}
    checked = rows if user_ids is None else {uid: rows[uid] for uid in user_ids if uid in rows}
    # Course staff who joined without enrolling (Join registers them) keep their place.
    staff = platform.course_staff_ids(
        [uid for uid, row in checked.items() if uid not in enrolled and row.wanted],
        session.course_key)
    for user_id, row in checked.items():
        if user_id not in enrolled and user_id not in staff and (row.wanted or row.eligible):
            row.wanted, row.eligible = False, False
            row.eligibility_reason = eligibility.NOT_ENROLLED
            changed.append(row)
    for row in rows.values():
        if not row.wanted and row.state in (State.PENDING, State.WAITLISTED):
            row.state = State.CANCELLED  # never reached Zoom: nothing to cancel there
            changed.append(row)
    _mark_unusable_emails(rows.values(), changed)
    _allocate_seats(session, rows.values(), changed, now)
    fields = ["email", "first_name", "last_name", "wanted", "eligible", "eligibility_reason",
              "eligibility_checked_at", "state", "waitlisted_at", "last_error", "attempts",
              "modified"]
    for row in changed:
        row.modified = now
    with transaction.atomic():
        bulk_rows.insert_new(created)
        saved = {id(row): row for row in changed if row.pk}  # new rows went in with their values
        bulk_rows.update_fields(saved.values(), fields)
    return {"learners": len(learners), "new": len(created), "changed": len(changed)}


def _learner_changed(row, learner, answer) -> bool:
    return (row.email != learner.email or row.first_name != cut_name(learner.first_name)
            or row.last_name != cut_name(learner.last_name) or row.wanted != answer.eligible
            or row.eligibility_reason != answer.reason)


def _mark_unusable_emails(rows, changed) -> None:
    """Invalid or shared e-mail addresses cannot be registered: fail them with the reason."""
    seen = {}
    for row in sorted(rows, key=lambda r: (r.created or timezone.now(), r.user_id)):
        if not row.wanted or row.state in (State.REGISTERED, State.CANCELLED):
            continue
        problem = refused = ""
        try:
            validate_email(row.email)
            refused = email_problem(row.email)
        except ValidationError:
            problem = stored("invalid_email")
        if not problem and refused:  # Zoom would refuse it, and with it the whole batch of 30
            problem = stored("unaccepted_email", reason=refused)
        key = row.email.strip().lower()
        if not problem and key in seen and seen[key] != row.user_id:
            problem = stored("shared_email")
        seen.setdefault(key, row.user_id)
        if problem and (row.state != State.FAILED or row.last_error != problem):
            row.state, row.last_error = State.FAILED, problem
            changed.append(row)


def _allocate_seats(session, rows, changed, now) -> None:
    """Registered learners keep their seats; the others fill the rest first-come; the rest wait."""
    wanted = [r for r in rows if r.wanted and r.state != State.FAILED]
    holders = [r for r in wanted if r.state == State.REGISTERED]
    queue = sorted((r for r in wanted if r.state != State.REGISTERED),
                   key=lambda r: (r.waitlisted_at or r.created or now, r.user_id))
    seats = min(session.capacity or MAX_REGISTRANTS, MAX_REGISTRANTS)
    free = max(0, seats - len(holders))
    for row in queue[:free]:
        if row.state == State.WAITLISTED:
            row.state = State.PENDING  # promoted: a seat freed up
            changed.append(row)
    for row in queue[free:]:
        if row.state != State.WAITLISTED:
            row.state, row.waitlisted_at = State.WAITLISTED, row.waitlisted_at or now
            changed.append(row)


# --- Applying the difference to Zoom -------------------------------------------------------------

def _within_budget(rows: list[Registration]) -> list[Registration]:
    """Rows that may still make a Zoom request today (3 per registrant); defer the others.

    Nothing is counted here: :func:`_count` counts each request once it was sent.
    """
    today, allowed, deferred = zoom_day(timezone.now()), [], []
    for row in rows:
        if row.zoom_requests_day != today:
            row.zoom_requests_day, row.zoom_requests_today = today, 0
        if row.zoom_requests_today >= REGISTRANT_DAILY_LIMIT:
            row.next_attempt_at = next_utc_midnight(timezone.now())
            row.last_error = stored("registrant_daily_limit")
            deferred.append(row)
            continue
        allowed.append(row)
    bulk_rows.update_fields(deferred, ["zoom_requests_day", "zoom_requests_today",
                                       "next_attempt_at", "last_error"])
    return allowed


def _count(row: Registration, requests: int = 1) -> None:
    """Count requests sent for this person against Zoom's 3 a day (sent, not succeeded)."""
    today = zoom_day(timezone.now())
    if row.zoom_requests_day != today:
        row.zoom_requests_day, row.zoom_requests_today = today, 0
    row.zoom_requests_today = min(row.zoom_requests_today + requests, 32767)


def _due(rows):
    now = timezone.now()
    return [r for r in rows if r.next_attempt_at is None or r.next_attempt_at <= now]


def _session_error(error: zoom.ZoomError) -> Interrupted:
    """Why the whole pass stops, for staff, and when to try again (caused by ``error``)."""
    stop = _interruption(error)
    stop.__cause__ = error
    return stop


def _interruption(error: zoom.ZoomError) -> Interrupted:
    now = timezone.now()
    if zoom.concerns_meeting(error):  # nobody's fault but the meeting's: stop until it is fixed
        code = (problems.REGISTRATION_OFF if isinstance(error, zoom.ZoomRegistrationDisabled)
                else getattr(error, "reason", zoom.HOST_NOT_LICENSED))
        return Interrupted(problems.blocked_message(code, {}), None, blocked=(code, {}))
    if isinstance(error, zoom.ZoomQuotaExceeded):
        return Interrupted(stored("sync_quota", until=error.resets_at.isoformat()),
                           error.resets_at, SyncRun.Outcome.DEFERRED)
    if isinstance(error, zoom.ZoomScopeError):
        return Interrupted(stored("missing_scopes", scopes=list(error.missing_scopes)),
                           now + timedelta(hours=1))
    if isinstance(error, zoom.ZoomAuthError):
        return Interrupted(stored("credentials_refused"), now + timedelta(minutes=1))
    if isinstance(error, (zoom.ZoomNotFound, zoom.ZoomMeetingOver)):
        return Interrupted(stored("not_accepting"), now + timedelta(hours=6))
    retry_at = now + timedelta(seconds=getattr(error, "retry_after", None) or 60)
    return Interrupted(problems.not_answering_message(retry_at), retry_at)


SAVED = ["state", "registrant_id", "join_url", "registered_at", "cancelled_at", "attempts",
         "last_error", "next_attempt_at", "zoom_requests_day", "zoom_requests_today",
         "zoom_unsure_since", "modified"]


def _in_budget_chunks(rows):
    for batch in batches(rows):
        chunk = _within_budget(batch)
        if chunk:
            yield chunk


def _one_ahead(chunks, send, record) -> None:
    """Send each chunk to Zoom and ``record(chunk, future)`` its answer, in order, with the
    next chunk's call already on its way while the last answer is saved: the database work
    overlaps Zoom's instead of adding to it, and one call at a time still reaches Zoom.

    ``record`` returns the :class:`Interrupted` that stops the pass, or None. A chunk already
    sent when the pass stops is recorded all the same (what Zoom did is never lost), then the
    first interruption is raised.
    """
    stop, pending = None, None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="zoom-sync") as zoom_calls:
        for chunk in chunks:
            sent = (chunk, zoom_calls.submit(send, chunk))
            if pending is not None:
                stop = _recorded(record, *pending)
            pending = sent
            if stop is not None:
                break
        if pending is not None:
            last = _recorded(record, *pending)  # recorded even after a stop: it was sent
            stop = stop or last
    if stop is not None:
        raise stop


def _recorded(record, chunk, answer) -> Interrupted | None:
    with transaction.atomic():  # a chunk's rows and counts: one commit, one disk flush
        return record(chunk, answer)


def _set_status(client, session, progress, rows, action: str) -> None:
    """Cancel registrants, or approve returning ones again (they keep their personal link)."""

    def send(chunk):
        client.set_registrant_status(session.kind, session.zoom_id, action,
                                     [{"id": r.registrant_id, "email": r.email} for r in chunk])

    def record(chunk, answer) -> Interrupted | None:
        try:
            answer.result()
        except zoom.ZoomError as error:  # a status change concerns the whole session
            if zoom.is_ambiguous(error):  # Zoom may have applied it: counted, checked next pass
                now = timezone.now()
                for row in chunk:
                    _count(row)
                    row.zoom_unsure_since = row.zoom_unsure_since or now
                bulk_rows.update_fields(chunk, SAVED)
            return _session_error(error)
        now = timezone.now()
        for row in chunk:
            _count(row)
            row.modified, row.last_error = now, ""
            if action == "cancel":
                row.state, row.cancelled_at = State.CANCELLED, now
            else:
                row.state, row.registered_at = State.REGISTERED, now
        bulk_rows.update_fields(chunk, SAVED)
        if action == "cancel":
            progress.record(cancelled=len(chunk), calls=1)
        else:
            progress.record(added=len(chunk), calls=1)
        return None

    _one_ahead(_in_budget_chunks(rows), send, record)


def _add(client, session, progress, rows) -> None:

    def send(chunk):
        return client.add_registrants(
            session.kind, session.zoom_id,
            [{"email": r.email, "first_name": cut_name(r.first_name or r.email.split("@")[0]),
              "last_name": r.last_name} for r in chunk],
            auto_approve=True, send_email=session.zoom_emails)

    def record(chunk, answer) -> Interrupted | None:
        results = answer.result()
        now = timezone.now()
        stop = None
        for row, result in zip(chunk, results, strict=True):
            row.modified = now
            _count(row, result.requests)
            if result.unsure:  # Zoom may have registered them: look before sending again
                row.zoom_unsure_since = row.zoom_unsure_since or now
                stop = stop or _session_error(result.error)
            elif result.ok and result.join_url:
                row.zoom_unsure_since = None
                row.state, row.registrant_id, row.join_url = (
                    State.REGISTERED, result.registrant_id or "", result.join_url)
                row.registered_at, row.attempts, row.last_error, row.next_attempt_at = (
                    now, 0, "", None)
            elif result.ok:  # added but not approved (manual approval): no link to join with
                row.registrant_id = result.registrant_id or row.registrant_id
                row.attempts += 1
                row.last_error = stored("not_approved_yet")
                row.next_attempt_at = now + timedelta(minutes=2 ** row.attempts)
                if row.attempts >= MAX_ATTEMPTS:
                    row.state = State.FAILED
            else:
                stop = _registrant_failed(row, result.error) or stop
        bulk_rows.update_fields(chunk, SAVED)
        progress.record(added=sum(1 for r in results if r.ok and r.join_url),
                        failed=sum(1 for r in chunk if r.state == State.FAILED), calls=1)
        return stop

    _one_ahead(_in_budget_chunks(rows), send, record)


def _registrant_failed(row: Registration, error: zoom.ZoomError) -> Interrupted | None:
    """Record one person's failure; returns an interruption when the whole session must wait."""
    if isinstance(error, SESSION_WIDE) or zoom.concerns_meeting(error) or (
            isinstance(error, zoom.ZoomQuotaExceeded) and error.quota != "registrant"):
        return _session_error(error)
    if isinstance(error, zoom.ZoomQuotaExceeded):
        row.next_attempt_at, row.last_error = error.resets_at, str(error.message)[:255]
    elif isinstance(error, zoom.ZoomCapacityFull):
        row.state, row.waitlisted_at = State.WAITLISTED, row.waitlisted_at or timezone.now()
    elif isinstance(error, zoom.ZoomValidationError):
        row.state = State.FAILED
        details = "; ".join(f"{e.field}: {e.message}" for e in error.field_errors)
        row.last_error = stored("zoom_refused_learner",
                                reason=str(details or error.message or "")[:150])
    else:
        row.attempts += 1
        row.last_error = str(error.message or error)[:255]
        if row.attempts >= MAX_ATTEMPTS:
            row.state = State.FAILED
        else:
            row.next_attempt_at = timezone.now() + timedelta(minutes=2 ** row.attempts)
    return None


class Progress:
    """The running pass: counts saved on its SyncRun as each batch lands (staff watch them)."""

    def __init__(self, run: SyncRun, keep_alive=lambda: None):
        self.run, self._keep_alive = run, keep_alive

    def record(self, *, added=0, cancelled=0, failed=0, calls=0) -> None:
        """Add a batch's outcome, save it, and tell the session lock we are still working."""
        run = self.run
        run.added += added
        run.cancelled += cancelled
        run.failed += failed
        run.zoom_calls += calls
        run.done = run.added + run.cancelled + run.failed
        run.save(update_fields=["added", "cancelled", "failed", "zoom_calls", "done"])
        self._keep_alive()


def confirm_unsure(client, session: ZoomSession) -> dict:
    """Before anything is sent again, read what Zoom really did with requests it answered with
    an error (5xx, timeout): those it registered are adopted with Zoom's own link, so nobody's
    daily budget is spent twice and Join never refuses someone Zoom already has."""
    unsure = list(Registration.objects.filter(session=session, zoom_unsure_since__isnull=False))
    if not unsure:
        return {}
    in_zoom = {str(entry.get("email", "")).lower(): entry for entry in client.iter_registrants(
        session.kind, session.zoom_id, status="approved")}
    now, adopted = timezone.now(), 0
    for row in unsure:
        entry = in_zoom.get(row.email.lower())
        row.zoom_unsure_since, row.modified = None, now
        if entry is not None and row.state != State.REGISTERED and row.wanted:
            row.state, row.registered_at = State.REGISTERED, row.registered_at or now
            row.registrant_id = str(entry.get("id") or row.registrant_id)
            row.join_url = entry.get("join_url") or row.join_url
            row.attempts, row.last_error, row.next_attempt_at = 0, "", None
            adopted += 1
        elif entry is None and row.state == State.REGISTERED and not row.wanted:
            row.state, row.cancelled_at = State.CANCELLED, now  # the cancel did land
    bulk_rows.update_fields(unsure, SAVED)
    return {"unsure": len(unsure), "adopted": adopted}


def block_lifted(client, session: ZoomSession) -> bool:
    """Whether what made Zoom refuse every registration is fixed (one cheap call)."""
    code, params = session.blocked_code, session.blocked_params or {}
    if params.get("host") and params["host"].lower() != session.host_email.lower():
        return True  # another organizer was set
    try:
        if code == problems.REGISTRATION_OFF:
            details = client.get(session.kind, session.zoom_id)
            approval = (details.get("settings") or {}).get("approval_type")
            lifted = approval is not None and approval != NO_REGISTRATION
        else:
            user = client.get_user(session.host_email,
                                   check_webinar=session.kind == ZoomSession.Kind.WEBINAR)
            lifted = user.is_licensed and (session.kind != ZoomSession.Kind.WEBINAR
                                           or user.has_webinar is not False)
    except zoom.ZoomHostError:
        lifted = False
    if lifted:
        ZoomSession.objects.filter(id=session.id).update(blocked_code="", blocked_params={})
        SessionAlert.objects.filter(session=session, kind=SessionAlert.Kind.REGISTRATION_REFUSED,
                                    resolved_at=None).update(resolved_at=timezone.now())
        session.blocked_code, session.blocked_params = "", {}
    return lifted


def _block(session: ZoomSession, code: str) -> None:
    """Stop registering for the meeting's own reason, told to staff once; nobody's budget."""
    params = {"host": session.host_email}
    ZoomSession.objects.filter(id=session.id).update(blocked_code=code, blocked_params=params)
    SessionAlert.objects.get_or_create(
        session=session, kind=SessionAlert.Kind.REGISTRATION_REFUSED, resolved_at=None,
        defaults={"message": problems.blocked_message(code, params),
                  "details": {"code": code, **params}})


OUTSIDER_POLICIES = ("report", "deny", "cancel")


def reconcile(client, session: ZoomSession) -> dict:
    """Compare with Zoom's own registrant lists; re-register the missing, and deal with the
    registrants the plugin did not create (outsiders) under ``OUTSIDER_REGISTRANTS``.

    Meetings use manual approval, so an outsider who registers with the meeting ID waits in
    Zoom's pending list: ``deny`` (the default) denies them, ``cancel`` also cancels outsiders
    someone approved in Zoom, ``report`` only reports. A registrant is the plugin's when its
    id is one the plugin recorded (or, for a row whose id was never recorded, its address).
    """
    approved = list(client.iter_registrants(session.kind, session.zoom_id, status="approved"))
    pending = list(client.iter_registrants(session.kind, session.zoom_id, status="pending"))
    in_zoom = {str(r.get("email", "")).lower(): r for r in approved}
    ours = list(Registration.objects.filter(session=session))
    missing = [row for row in ours if row.state == State.REGISTERED and row.wanted
               and row.email.lower() not in in_zoom]
    our_ids = {row.registrant_id for row in ours if row.registrant_id}
    unrecorded = {row.email.lower() for row in ours if not row.registrant_id}

    def outsider(registrant: dict) -> bool:
        return (str(registrant.get("id") or "") not in our_ids
                and str(registrant.get("email", "")).lower() not in unrecorded)

    extra_approved = [r for r in approved if outsider(r)]
    extra_pending = [r for r in pending if outsider(r)]
    for row in missing:  # cancelled or removed in Zoom: Open edX stays the source of truth
        row.state, row.modified = State.PENDING, timezone.now()
    bulk_rows.update_fields(missing, ["state", "modified"])
    policy = get_config().outsider_registrants
    policy = policy if policy in OUTSIDER_POLICIES else "deny"
    denied = _refuse(client, session, "deny", extra_pending if policy != "report" else [])
    cancelled = _refuse(client, session, "cancel",
                        extra_approved if policy == "cancel" else [])
    extra = [str(r.get("email", "")) for r in extra_approved + extra_pending]
    if missing or extra:
        SessionAlert.objects.create(
            session=session, kind=SessionAlert.Kind.RECONCILIATION,
            message=stored("reconciliation", missing=len(missing), extra=len(extra),
                           denied=denied, cancelled=cancelled),
            details={"missing": [r.email for r in missing][:200], "extra": extra[:200],
                     "policy": policy, "denied": denied, "cancelled": cancelled},
        )
    return {"missing": len(missing), "extra": len(extra), "denied": denied,
            "cancelled": cancelled}


def _refuse(client, session: ZoomSession, action: str, registrants: list[dict]) -> int:
    """Deny or cancel registrants the plugin did not create; returns how many."""
    people = [{"id": str(r["id"]), "email": str(r.get("email", ""))}
              for r in registrants if r.get("id")]
    if people:
        client.set_registrant_status(session.kind, session.zoom_id, action, people)
    return len(people)


# --- One pass ----------------------------------------------------------------------------------

def sync_session(session_id: int, trigger: str = "manual", full: bool = False,
                 user_ids=None) -> dict:
    """One sync pass over a session (skipped if another worker holds the session's lock).
    ``user_ids``: a pass for these learners only (a grade event); the session's recorded
    intent is left for the next full pass."""
    with exclusive(f"sync:{session_id}") as held:
        if not held:
            # Another pass is running, or its worker died holding the lock: come back once the
            # lock has expired if the intent is still there then (the holder clears it).
            if user_ids is not None:  # the learner's re-check is not in the recorded intent
                for user_id in user_ids:
                    nudge_learner([session_id], user_id, "retry",
                                  countdown=get_config().lock_timeout_seconds + 1)
            elif ZoomSession.objects.filter(id=session_id,
                                            sync_requested_at__isnull=False).exists():
                schedule_sync(session_id, "retry", get_config().lock_timeout_seconds + 1)
            return {"skipped": "locked"}
        session = ZoomSession.objects.filter(id=session_id).first()
        if session is None or session.status not in ZoomSession.ACTIVE_STATUSES:
            return {"skipped": "inactive"}
        if session.never_published:  # a Studio draft: nobody is registered for it yet
            ZoomSession.objects.filter(id=session_id).update(sync_requested_at=None)
            return {"skipped": "not_published"}
        started = timezone.now()
        run = SyncRun.objects.create(session=session, trigger=trigger, full=full)
        if user_ids is not None:
            started = None  # a learner's pass does not satisfy the course-wide intent
        desired = {}
        try:
            return _pass(session, run, started, desired, trigger, full, held.keep_alive,
                         user_ids)
        except Exception:
            # Whatever went wrong, the run is closed (or "Sync now" would answer "already
            # running" for minutes) and the intent kept for a retry.
            log.exception("Sync of session %s failed", session_id)
            _finish(session, run, started, desired, outcome=SyncRun.Outcome.FAILED,
                    message=stored("sync_failed"))
            _retry_at(session, timezone.now() + RETRY_AFTER_FAILURE)
            raise


# The sweep's syncs (and the one before the start) first check that Zoom still has the
# meeting: one deleted in Zoom without its webhook must not keep sending learners to it.
VERIFY_TRIGGERS = ("sweep", "pre_start")
RETRY_AFTER_FAILURE = timedelta(minutes=5)


def _pass(session, run, started, desired, trigger, full, keep_alive, user_ids) -> dict:
    try:
        desired.update(record_desired_state(session, user_ids))
    except platform.NotVisibleYet:
        # Not a failure to retry: the LMS will see the block once it is published.
        return _finish(session, run, started, {}, message=stored("not_visible_yet"))
    waiting = _why_not_in_zoom(session)
    if waiting:
        return _finish(session, run, started, desired, message=waiting)
    if started is not None:  # this pass is the retry
        ZoomSession.objects.filter(id=session.id, sync_retry_at__lte=started).update(
            sync_retry_at=None)
    client = None
    try:
        client = get_client(account=session_account_name(session))
        if trigger in VERIFY_TRIGGERS and not still_in_zoom(client, session):
            return _finish(session, run, started, desired, outcome=SyncRun.Outcome.FAILED,
                           message=stored("meeting_deleted_in_zoom"))
        if session.blocked_code and not block_lifted(client, session):
            return _finish(session, run, started, desired, outcome=SyncRun.Outcome.FAILED,
                           message=problems.blocked_message(session.blocked_code,
                                                            session.blocked_params or {}))
        desired["confirmed"] = confirm_unsure(client, session)
        if full:
            desired["reconciled"] = reconcile(client, session)
        _apply_difference(client, session, run, keep_alive)
        if session.kind == ZoomSession.Kind.WEBINAR:
            panelists.sync_panelists(session)  # course staff roles change without a signal
    except NotConfigured:
        return _finish(session, run, started, desired, outcome=SyncRun.Outcome.FAILED,
                       message=stored("not_configured",
                                      missing=get_config().missing_credentials))
    except (Interrupted, zoom.ZoomError) as failure:
        # Confirming, reconciling or adding: Zoom did not answer, or refused for the meeting.
        stop = failure if isinstance(failure, Interrupted) else _session_error(failure)
        if stop.blocked:
            _block(session, stop.blocked[0])
        if client is not None and isinstance(
                failure.__cause__ if isinstance(failure, Interrupted) else failure,
                zoom.ZoomNotFound):
            still_in_zoom(client, session)  # "not found": was the meeting deleted in Zoom?
        _finish(session, run, started, desired, outcome=stop.outcome, message=str(stop))
        if stop.retry_at is not None:
            _retry_at(session, stop.retry_at)
        return {**desired, "interrupted": str(stop)}
    return _finish(session, run, started, desired)


def still_in_zoom(client, session: ZoomSession) -> bool:
    """Ask Zoom for the meeting; one it no longer has is marked deleted in Zoom (learners
    see it cancelled, staff get an alert). Zoom not answering counts as still there."""
    try:
        client.get(session.kind, session.zoom_id)
    except zoom.ZoomNotFound:
        zoom_side.mark_deleted_in_zoom(session)
        return False
    return True


def _why_not_in_zoom(session: ZoomSession) -> str:
    """Why the pass stops before Zoom (a stored message), or "" when it goes on."""
    if session.live_status == ZoomSession.LiveStatus.ENDED:
        return stored("session_ended")
    if not session.zoom_id:
        return stored("not_in_zoom")
    if session.status not in SYNCABLE:
        return stored("session_not_active", status=session.status)
    return ""


def _apply_difference(client, session, run, keep_alive=lambda: None) -> None:
    rows = list(Registration.objects.filter(session=session).exclude(state=State.FAILED))
    to_cancel = _due([r for r in rows if not r.wanted and r.state == State.REGISTERED])
    seats = [r for r in rows if r.wanted and r.state in (State.PENDING, State.CANCELLED)]
    returning = _due([r for r in seats if r.state == State.CANCELLED and r.registrant_id])
    to_add = _due([r for r in seats if r not in returning])
    run.total = len(to_cancel) + len(returning) + len(to_add)
    run.waitlisted = sum(1 for r in rows if r.state == State.WAITLISTED)
    run.save(update_fields=["total", "waitlisted"])
    progress = Progress(run, keep_alive)
    _set_status(client, session, progress, to_cancel, "cancel")
    _set_status(client, session, progress, returning, "approve")
    _add(client, session, progress, to_add)


def _finish(session, run, started, desired, outcome=None, message="") -> dict:
    run.outcome = outcome or (SyncRun.Outcome.PARTIAL if run.failed else SyncRun.Outcome.OK)
    run.message, run.finished_at = message, timezone.now()
    run.save(update_fields=["outcome", "message", "finished_at"])
    if started is not None:
        ZoomSession.objects.filter(id=session.id, sync_requested_at__lte=started).update(
            sync_requested_at=None, last_synced_at=run.finished_at)
    if started is not None and ZoomSession.objects.filter(
            id=session.id, sync_requested_at__gt=started).exists():
        nudge_sync([session.id], "follow-up")  # something changed while this pass ran
    waiting = Registration.objects.filter(session=session, wanted=True,
                                          next_attempt_at__gt=timezone.now()).order_by(
        "next_attempt_at").values_list("next_attempt_at", flat=True).first()
    if waiting:
        _retry_at(session, waiting)
    return {**desired, "outcome": run.outcome, "added": run.added, "cancelled": run.cancelled,
            "failed": run.failed, "zoom_calls": run.zoom_calls}


def _retry_at(session: ZoomSession, when: datetime) -> None:
    """Leave durable intent so that the sweep (or a scheduled task) picks the session up.

    ``sync_retry_at`` is "come back then", kept apart from ``sync_requested_at`` ("something
    changed"): a pass that ends with work waiting on Zoom does not nudge a follow-up pass.
    """
    ZoomSession.objects.filter(id=session.id).filter(
        Q(sync_retry_at__isnull=True) | Q(sync_retry_at__gt=when)).update(sync_retry_at=when)
    delay = max(1, int((when - timezone.now()).total_seconds()))
    if delay < 6 * 3600:  # later than that, the periodic sweep is soon enough
        schedule_sync(session.id, "retry", delay)


# --- Fan-out -------------------------------------------------------------------------------

def fan_out_course(course_key: str, trigger: str) -> dict:
    """Queue one sync for each of the course's sessions that has recorded intent."""
    session_ids = list(
        ZoomSession.objects.active().filter(course_key=course_key, sync_requested_at__isnull=False)
        .values_list("id", flat=True)
    )
    nudge_sync(session_ids, trigger)
    return {"queued": len(session_ids)}

