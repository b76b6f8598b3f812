"""Drift: someone changed in Zoom what the course set (the title, the schedule, a setting).

An update that carries the plugin's own values (Zoom echoes the plugin's own PATCHes too) is
not drift. What is, is reported to staff and, by the session's policy
(:mod:`zoom_xblock.policies`), put back (restore), adopted into the course (adopt: the schedule
and title, also in the block through the platform door) or only reported. The lifecycle marks
the alerts "put back at ..." once the course's values reached Zoom again.
"""
from datetime import UTC, datetime

from django.db import transaction

from zoom_xblock import intents, platform, policies, session_values, wording
from zoom_xblock.meeting import authoring
from zoom_xblock.meeting.zoom_body import zoom_payload
from zoom_xblock.models import SessionAlert, ZoomSession
from zoom_xblock.zoom import MAX_TITLE
from zoom_xblock.zoom.webhooks import parse_time


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


DRIFT_POLICY_RESTORE = policies.RESTORE
# The fields of :func:`zoom_xblock.meeting.zoom_body.zoom_payload` that someone can change in Zoom.
DRIFT_FIELDS = ("topic", "agenda", "start_time", "duration", "timezone")


def changed_in_zoom(session: ZoomSession, changed: dict, old: dict, *, operator: str,
                    event_ts: int | None) -> None:
    """Someone (``operator``) changed in Zoom what the course set (``changed``, a
    ``*.updated`` event's object; ``old``, its old object): alert staff, and restore or adopt
    by policy.

    An update that carries the plugin's own values (Zoom echoes the plugin's PATCHes too) is
    not drift. Restoring goes through :func:`lifecycle.apply_session`, like any update: it
    counts toward the organizer's daily quota and is deferred when that is spent.
    """
    if session.status in (ZoomSession.Status.DELETING, ZoomSession.Status.DELETED,
                          ZoomSession.Status.DELETED_IN_ZOOM):
        return
    changes = drift(session, changed, old)
    if not changes:
        return
    policy = policies.drift_policy(session)
    restore = policy == policies.RESTORE
    adopted, publication = ({}, "") if policy != policies.ADOPT else _adopt(session, changes)
    SessionAlert.objects.create(
        session=session, kind=SessionAlert.Kind.DRIFT,
        # Worded when shown: field labels, times in the viewer's zone, "put back at ...".
        message=wording.stored(
            "drift", operator=operator, changes=changes, restore=restore,
            policy=policy, adopted=bool(adopted), publication=publication,
            others_kept=any(ADOPTED_FIELDS.get(name) not in adopted for name in changes)),
        details={"operator": operator, "changes": changes,
                 "policy": policy, "restored": restore, "adopted": sorted(adopted),
                 "block": publication, "event_ts": event_ts},
    )
    if restore:  # after the alert: the restore marks it "put back at ..." when it lands
        _restore(session)


def mark_drift_restored(session: ZoomSession, when: datetime) -> int:
    """The course's settings reached Zoom again: open drift alerts being put back now say
    "put back at <when>" (called by the lifecycle after a successful update)."""
    changed = 0
    for alert in SessionAlert.objects.filter(session=session, kind=SessionAlert.Kind.DRIFT,
                                             resolved_at__isnull=True):
        decoded = wording.decode(alert.message)
        if decoded is None or not decoded[1].get("restore") or decoded[1].get("restored_at"):
            continue
        alert.message = wording.stored("drift", **{**decoded[1], "restored_at": when.isoformat()})
        alert.details = {**alert.details, "restored_at": when.isoformat()}
        alert.save(update_fields=["message", "details"])
        changed += 1
    return changed


# What two-way sync adopts (iSpring: schedule both ways, title from Zoom only): Zoom's name ->
# the session's field.
ADOPTED_FIELDS = {"topic": "title", "start_time": "start", "duration": "duration_minutes",
                  "timezone": "timezone"}


def adoptable_values(changes: dict) -> dict:
    """The session's new values for the schedule and title Zoom changed, when they are valid
    (a value the editor would refuse is not adopted): ``{session field: value}``."""
    values = {}
    new = {name: changes[name]["new"] for name in ADOPTED_FIELDS if name in changes}
    if isinstance(new.get("topic"), str) and 0 < len(new["topic"].strip()) <= MAX_TITLE:
        values["title"] = new["topic"].strip()
    if "start_time" in new:
        start = parse_time(new["start_time"])
        if start is not None:
            values["start"] = start.astimezone(UTC).replace(microsecond=0)
    duration = new.get("duration")
    if isinstance(duration, int) and not isinstance(duration, bool) and (
            authoring.DURATION_RANGE[0] <= duration <= authoring.DURATION_RANGE[1]):
        values["duration_minutes"] = duration
    if isinstance(new.get("timezone"), str) and new["timezone"] in authoring.all_timezones():
        values["timezone"] = new["timezone"]
    return values


def _adopt(session: ZoomSession, changes: dict) -> tuple[dict, str]:
    """Make Zoom's schedule and title the course's: the session, what the plugin last sent
    (so Zoom's echo is not drift), and the block's fields through the platform door.

    Returns the adopted values and what the platform did with the block ("published",
    "draft" or "missing"). The learners registered are told of a new schedule.
    """
    values = adoptable_values(changes)
    if not values:
        return {}, ""
    old_schedule = session_values.schedule_key(session)
    for name, value in values.items():
        setattr(session, name, value)
    applied = dict(session.applied_settings or {})
    for name in ADOPTED_FIELDS:
        if name in changes:
            applied[name] = changes[name]["new"]
    session.applied_settings = applied
    if session.synced_version >= session.desired_version:
        # Zoom already has these values: a new version, applied already (calendar SEQUENCE).
        session.desired_version += 1
        session.synced_version = session.desired_version
    session.save()
    zone = session.timezone or "UTC"
    block_fields = {"title": session.title, "timezone": zone,
                    "duration_minutes": session.duration_minutes}
    if session.start is not None:
        block_fields["start_local"] = session_values.local_start(session.start, zone)
    publication = platform.update_block_fields(session.usage_key, block_fields)
    if session_values.schedule_key(session) != old_schedule:
        intents.request_learner_messages(session.id)
    return values, publication


def drift(session: ZoomSession, changed: dict, old: dict) -> dict:
    """The fields of ``changed`` (a ``*.updated`` object) that differ from what the plugin
    sent (``applied_settings``) and from what the course wants now: ``{field: {old, new,
    course}}``. Fields the plugin does not manage are not drift."""
    applied = dict(session.applied_settings or {})
    wanted = zoom_payload(session)
    found = {}
    for name in DRIFT_FIELDS:
        if name in changed and name in applied and not _same_as_course(
                name, changed[name], applied.get(name), wanted.get(name)):
            found[name] = {"old": old.get(name, applied[name]), "new": changed[name],
                           "course": applied[name]}
    applied_settings = _dict(applied.get("settings"))
    for name, value in _dict(changed.get("settings")).items():
        if name in applied_settings and not _same_as_course(
                name, value, applied_settings[name], _dict(wanted.get("settings")).get(name)):
            found[f"settings.{name}"] = {"old": _dict(old.get("settings")).get(
                name, applied_settings[name]), "new": value, "course": applied_settings[name]}
    return found


def _same_as_course(name: str, value, applied, wanted) -> bool:
    return any(_normalised(name, value) == _normalised(name, ours) for ours in (applied, wanted)
               if ours is not None)


def _normalised(name: str, value):
    if name == "start_time":
        moment = parse_time(value)
        return moment.astimezone(UTC) if moment else value
    if name == "duration":
        try:
            return int(value)
        except (TypeError, ValueError):
            return value
    if name == "alternative_hosts" and isinstance(value, str):
        return frozenset(part.strip().lower() for part in value.replace(",", ";").split(";")
                         if part.strip())
    if isinstance(value, str):
        return value.strip()
    return value


def _restore(session: ZoomSession) -> None:
    """Queue an update of the meeting with the course's values (lifecycle's own path)."""
    session.desired_version += 1
    fields = ["desired_version", "modified"]
    if session.status == ZoomSession.Status.SCHEDULED:
        session.status = ZoomSession.Status.UPDATING  # the sweep re-queues it if lost
        fields.append("status")
    session.save(update_fields=fields)
    session_id = session.id
    transaction.on_commit(lambda: intents.queue_apply(session_id))
