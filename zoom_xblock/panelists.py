"""A webinar's panelists follow the course's instructors (added and removed in Zoom).

Shared by the meeting's lifecycle (a webinar created or updated) and the learners' sync (course
roles change without a signal, so each pass looks again).
"""
from zoom_xblock import platform
from zoom_xblock.accounts import session_account_name
from zoom_xblock.clients import get_client
from zoom_xblock.models import Panelist, ZoomSession


def sync_panelists(session: ZoomSession) -> dict:
    """Make the webinar's panelists the course's instructors (added and removed)."""
    instructors = {user.email.lower(): user for user in platform.course_instructors(
        session.course_key) if user.email and user.email.lower() != session.host_email.lower()}
    rows = {row.email.lower(): row for row in Panelist.objects.filter(session=session)}
    for email, user in instructors.items():
        row = rows.get(email)
        if row is None:
            rows[email] = Panelist.objects.create(session=session, user_id=user.id, email=email,
                                                  name=user.full_name or user.username)
        elif not row.wanted:
            row.wanted, row.synced = True, False
            row.save(update_fields=["wanted", "synced"])
    for email, row in rows.items():
        if email not in instructors and row.wanted:
            row.wanted, row.synced = False, False
            row.save(update_fields=["wanted", "synced"])
    client = get_client(account=session_account_name(session))
    to_add = [row for row in rows.values() if row.wanted and not row.synced]
    if to_add:
        client.add_panelists(session.zoom_id, [{"name": r.name or r.email, "email": r.email}
                                               for r in to_add])
    to_remove = [row for row in rows.values() if not row.wanted and not row.synced]
    if to_remove:
        ids = {p.get("email", "").lower(): p.get("id") for p in client.list_panelists(
            session.zoom_id)}
        for row in to_remove:
            if ids.get(row.email):
                client.remove_panelist(session.zoom_id, ids[row.email])
    # Ids come from Zoom's list so that a later removal finds them.
    if to_add:
        ids = {p.get("email", "").lower(): p.get("id") for p in client.list_panelists(
            session.zoom_id)}
        for row in to_add:
            row.panelist_id = str(ids.get(row.email) or "")
    for row in to_add + to_remove:
        row.synced = True
        row.save(update_fields=["synced", "panelist_id"])
    return {"added": len(to_add), "removed": len(to_remove)}
