"""What Zoom did to a session without the plugin: a meeting found deleted in Zoom.

Shared by the meeting's lifecycle, the learners' sync (which finds out when Zoom answers "not
found") and Zoom's ``meeting.deleted`` webhook.
"""
from zoom_xblock import intents
from zoom_xblock.models import SessionAlert, ZoomSession
from zoom_xblock.wording import stored


def mark_deleted_in_zoom(session: ZoomSession, operator: str = "", details=None) -> None:
    """The meeting is gone from Zoom (not deleted by the plugin): learners see it cancelled,
    and staff get an alert saying how to create a new one."""
    session.status = ZoomSession.Status.DELETED_IN_ZOOM
    session.save(update_fields=["status", "modified"])
    SessionAlert.objects.create(
        session=session, kind=SessionAlert.Kind.DELETED_IN_ZOOM,
        message=stored("deleted_in_zoom", operator=operator) if operator
        else stored("deleted_in_zoom"),
        details=details or {})
    intents.request_learner_messages(session.id)  # "cancelled" to those who were registered
