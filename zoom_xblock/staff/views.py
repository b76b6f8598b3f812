"""The registrant report as a CSV file: ``/zoom/report/<usage key>.csv`` (course staff only).

The file is streamed: rows are read in keyset chunks and written as they go, so exporting
10,000 registrants holds a few thousand rows in memory at most (see :func:`reports.csv_lines`).
"""
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseForbidden, StreamingHttpResponse
from django.views.decorators.http import require_GET

from zoom_xblock import platform
from zoom_xblock.i18n import gettext as _
from zoom_xblock.models import ZoomSession
from zoom_xblock.staff import reports


@require_GET
@login_required
def report_csv(request, usage_key: str):
    """Stream the session's registrants (name, e-mail, state, registered at, attended minutes,
    completion) to course staff; 403 for anyone else, 404 for an unknown block."""
    session = ZoomSession.objects.filter(usage_key=usage_key).first()
    if session is None:
        raise Http404(_("No Zoom session for this block."))
    if not platform.is_course_staff(platform.user_from_request(request), session.course_key):
        return HttpResponseForbidden(_("Only the course's staff can download this report."))
    response = StreamingHttpResponse(reports.csv_lines(session),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{reports.csv_filename(session)}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
