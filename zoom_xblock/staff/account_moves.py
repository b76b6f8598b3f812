"""Moving a course's live meetings to another Zoom account, explicitly (an operator's command).

A meeting cannot change accounts in Zoom: each live session's meeting is deleted in the old
account (without Zoom's cancellation e-mails), created again in the new one, and its learners
registered again, so that each gets a new personal link. Sessions running right now are not
moved. Every learner's new state is returned for the operator's report.
"""
from django.db import transaction

from zoom_xblock import accounts
from zoom_xblock.clients import get_client
from zoom_xblock.i18n import gettext as _
from zoom_xblock.learners import sync
from zoom_xblock.locks import exclusive
from zoom_xblock.meeting import lifecycle
from zoom_xblock.models import CourseZoomAccount, Panelist, Registration, ZoomSession
from zoom_xblock.zoom import ZoomNotFound


class MoveRefused(Exception):
    """The move cannot start; nothing was changed."""


def migrate_course(course_key: str, account: str, note: str = "") -> list[dict]:
    """Move ``course_key`` to ``account``, recreating its live meetings there.

    Returns one entry per moved session: its title, old and new meeting ids, the sync's
    outcome and ``learners`` [(e-mail, state)], in e-mail order.
    """
    try:
        accounts.get_account(account)
    except accounts.UnknownAccount as error:
        raise MoveRefused(str(error)) from None
    current = accounts.course_account_name(course_key)
    moving = [session for session in accounts.live_sessions(course_key)
              if (session.zoom_account or current) != account]
    running = [session.title for session in moving
               if session.live_status == ZoomSession.LiveStatus.LIVE]
    if running:
        raise MoveRefused(_("Sessions running in Zoom now cannot move: {titles}. Try again once "
                            "they are over.").format(titles=", ".join(running)))
    CourseZoomAccount.objects.update_or_create(course_key=str(course_key),
                                               defaults={"account": account, "note": note})
    return [_move(session, session.zoom_account or current, account) for session in moving]


def _move(session: ZoomSession, old: str, new: str) -> dict:
    old_id = session.zoom_id
    with exclusive(f"apply:{session.id}", wait=30) as held:
        if not held:
            return {"title": session.title, "old_zoom_id": old_id, "zoom_id": old_id,
                    "status": "busy", "sync": "", "learners": []}
        try:
            get_client(account=old).delete(session.kind, session.zoom_id, notify=False)
        except ZoomNotFound:
            pass  # deleted in Zoom already: create it again all the same
        with transaction.atomic():
            ZoomSession.objects.filter(id=session.id).update(
                zoom_id=None, zoom_uuid="", registration_url="", synced_version=0,
                applied_settings={}, status=ZoomSession.Status.CREATING, zoom_account=new,
                last_error="", last_error_code="", deferred_until=None)
            Registration.objects.filter(session=session, wanted=True).exclude(
                state=Registration.State.WAITLISTED).update(
                state=Registration.State.PENDING, registrant_id="", join_url="",
                registered_at=None, attempts=0, last_error="", next_attempt_at=None)
            Registration.objects.filter(session=session, wanted=False).update(
                registrant_id="", join_url="")
            Panelist.objects.filter(session=session).update(synced=False, panelist_id="")
    applied = lifecycle.apply_session(session.id)
    result = sync.sync_session(session.id, trigger="command")
    session.refresh_from_db()
    learners = list(Registration.objects.filter(session=session).order_by("email")
                    .values_list("email", "state"))
    return {"title": session.title, "old_zoom_id": old_id, "zoom_id": session.zoom_id,
            "status": applied.get("status", session.status),
            "sync": result.get("outcome") or result.get("skipped") or "",
            "learners": learners}
