"""Zoom and learners follow the PUBLISHED course: publish applies, deletion removes.

A Studio save only records the author's draft (:func:`zoom_xblock.meeting.sessions.record_draft`).
The platform says "published" and "deleted" about an item, not about each block inside it
(``XBLOCK_PUBLISHED`` / ``XBLOCK_DELETED``, sent by ``xmodule/modulestore/mixed.py`` for the unit,
subsection or section the author acted on), so the tasks here read the published branch through
:mod:`zoom_xblock.platform` and reconcile the course's sessions with it:

- :func:`apply_published`: every Zoom block in the published item gets its published fields
  applied (a discarded draft is never applied: what is read is the published block); a session
  that was inside the item but is no longer published there is removed.
- :func:`remove_deleted`: the sessions inside the deleted item that the published course no
  longer shows are removed; a draft-only deletion (a component deleted from a published unit)
  keeps its meeting until the unit is published.
- :func:`reconcile_course` (the sweep's safety net): published changes nobody announced are
  applied, and a session gone from the published course for longer than
  ``REMOVAL_GRACE_MINUTES`` is removed, with an alert for course staff.

See docs/decisions/0009-draft-publish-and-deletion.md.
"""
import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from zoom_xblock import intents, platform
from zoom_xblock.block.xblock import ZoomXBlock
from zoom_xblock.conf import get_config
from zoom_xblock.i18n import gettext as _
from zoom_xblock.meeting import authoring, organizer_emails, sessions
from zoom_xblock.models import SessionAlert, ZoomSession

log = logging.getLogger(__name__)

GONE = (ZoomSession.Status.DELETING, ZoomSession.Status.DELETED)


def desired_from_fields(fields: dict, subsections: list[dict], session: ZoomSession | None
                        ) -> dict | None:
    """The session values a block with these (published) fields asks for, validated as the
    editor validates them (without asking Zoom about the organizer: that ran at save), against
    the course's ``subsections`` (:func:`platform.subsections`).
    None when the fields are not valid (imported content an author must fix in Studio)."""
    view = ZoomXBlock.field_view(fields)
    context = authoring.EditorContext(
        display_name=view.display_name, webinars_enabled=get_config().webinars_enabled,
        subsections=subsections,
        locked_kind=session.kind if authoring.is_kind_locked(session) else None)
    submission = authoring.validate({}, authoring.initial_values(
        view, zoom_emails_set="zoom_emails" in fields), context, check_organizer=False)
    if not submission.is_valid:
        return None
    return authoring.desired_values(submission, context)


def _live_sessions(course_key: str) -> list[ZoomSession]:
    return list(ZoomSession.objects.filter(course_key=course_key).exclude(status__in=GONE))


def _inside(session: ZoomSession, item_key: str) -> bool:
    """True when the session's block is ``item_key`` or inside it ('' is the whole course)."""
    return not item_key or session.usage_key == item_key or item_key in (session.ancestors or [])


def _apply(blocks, course_key: str, published_at: datetime | None, clear_draft: bool,
           sweep: bool = False) -> int:
    """Apply the blocks whose published fields changed since they were last applied.

    An unchanged block keeps its session as it is (a change accepted from Zoom, say). The
    sweep, which saw no publish, only notes the digest of a session made before digests were
    kept; a publish event applies it."""
    if not blocks:
        return 0
    known = {s.usage_key: s for s in ZoomSession.objects.filter(
        usage_key__in=[block.usage_key for block in blocks])}
    subsections = None
    applied = 0
    for block in blocks:
        session = known.get(block.usage_key)
        digest = ZoomXBlock.settings_digest(block.fields)
        if session is not None and not session.never_published and (
                session.published_hash == digest or (sweep and not session.published_hash)):
            sessions.still_published(session, ancestors=block.ancestors,
                                     published_at=published_at, clear_draft=clear_draft,
                                     published_hash=digest)
            continue
        if subsections is None:
            subsections = platform.subsections(course_key)  # once for the course
        values = desired_from_fields(block.fields, subsections, session)
        if values is None:
            log.warning("Published Zoom block %s has invalid settings; not applied",
                        block.usage_key)
            continue
        try:
            sessions.save_desired(block.usage_key, course_key, values, ancestors=block.ancestors,
                                  published_at=published_at, clear_draft=clear_draft,
                                  published_hash=digest)
        except sessions.KindChangeRefused:
            log.warning("Published Zoom block %s changes the kind of an existing %s; kept",
                        block.usage_key, session.kind if session else "session")
            continue
        applied += 1
    return applied


def apply_published(course_key: str, item_key: str | None = None,
                    published_at: datetime | None = None, *, sweep: bool = False) -> dict:
    """Apply the published item (the whole course when ``item_key`` is None) to Zoom and to
    learners; remove the sessions that were inside it and are no longer published there.
    ``sweep``: no publish happened (a pending draft stays pending)."""
    blocks = platform.published_zoom_blocks(course_key, under=item_key)
    with transaction.atomic():
        applied = _apply(blocks, course_key, published_at, not sweep, sweep)
        present = {block.usage_key for block in blocks}
        removed = [s for s in _live_sessions(course_key) if not s.never_published
                   and s.usage_key not in present and (item_key is None or _inside(s, item_key))]
        # Deleted in Studio (XBLOCK_DELETED said so) and now published: remove it. Gone for
        # another reason (moved to a unit not published yet, a course-wide pass): the sweep's
        # grace period decides.
        deleted = [s for s in removed if item_key is not None and (s.draft or {}).get("deleted")]
        mark_missing([s for s in removed if s not in deleted])
        for session in deleted:
            remove(session, _("The component was deleted from the course and the change was "
                              "published."))
    return {"applied": applied, "removed": len(deleted)}


def remove_deleted(course_key: str, item_key: str) -> dict:
    """``XBLOCK_DELETED`` named ``item_key`` ('' : the course was deleted): remove the sessions
    inside it that the published course no longer shows (descendants get no event of their
    own)."""
    candidates = [s for s in _live_sessions(course_key) if _inside(s, item_key)]
    if not candidates:
        return {"removed": 0, "kept": 0}
    still_published = {block.usage_key for block in platform.published_zoom_blocks(course_key)}
    removed = kept = 0
    with transaction.atomic():
        for session in candidates:
            if session.usage_key in still_published:
                # A draft-only deletion: learners still see it until its unit is published,
                # which then removes it (a pending change, like a draft).
                ZoomSession.objects.filter(id=session.id).update(
                    draft={"deleted": True}, draft_saved_at=timezone.now())
                kept += 1
                continue
            remove(session, _("The course was deleted.") if not item_key else _(
                "The component (or the unit, subsection or section holding it) was deleted "
                "from the course."))
            removed += 1
    return {"removed": removed, "kept": kept}


def mark_missing(missing: list[ZoomSession]) -> None:
    """Remember when each session was first found gone from the published course."""
    ids = [s.id for s in missing if s.missing_since is None]
    if ids:
        ZoomSession.objects.filter(id__in=ids).update(missing_since=timezone.now())


def reconcile_course(course_key: str) -> dict:
    """The sweep's pass over one course: apply unannounced published changes, and remove the
    sessions missing from the published course for longer than the grace period."""
    result = apply_published(course_key, sweep=True)
    grace = timedelta(minutes=get_config().removal_grace_minutes)
    overdue = ZoomSession.objects.filter(
        course_key=course_key, missing_since__lte=timezone.now() - grace).exclude(status__in=GONE)
    removed = 0
    with transaction.atomic():
        for session in overdue:
            remove(session, _("The component has not been in the published course since "
                              "{when} UTC.").format(
                when=session.missing_since.strftime("%Y-%m-%d %H:%M")))
            removed += 1
    return {**result, "removed": removed}


def remove(session: ZoomSession, reason: str) -> None:
    """Delete the session's meeting and cancel its registrations (after commit), and leave a
    record for course staff and operators."""
    SessionAlert.objects.create(
        session=session, kind=SessionAlert.Kind.REMOVED_FROM_COURSE,
        message=_("{reason} Its Zoom meeting is being deleted and its registrations "
                  "cancelled.").format(reason=reason),
        details={"usage_key": session.usage_key, "ancestors": session.ancestors})
    log.info("Removing Zoom session %s (%s): %s", session.id, session.usage_key, reason)
    intents.request_session_deletion(session.usage_key)
    transaction.on_commit(lambda: organizer_emails.organizer_removed(session, reason))


def courses_to_reconcile() -> list[str]:
    """Courses with a live session, drafts included: a block first seen in Studio may already
    be published (an imported course) and is then applied by the sweep's pass."""
    return sorted(set(ZoomSession.objects.exclude(status__in=GONE).values_list(
        "course_key", flat=True)))
