"""The plugin's URLs, mounted under ``/zoom/`` in the LMS by edx-django-utils: each story's
views (webhook intake, the learners' Join and calendars, staff's CSV)."""
from django.urls import path

from zoom_xblock.learners import views as learner_views
from zoom_xblock.staff import views as staff_views
from zoom_xblock.webhooks import intake

app_name = "zoom_xblock"

urlpatterns = [
    path("webhook/meeting", intake.webhook, {"endpoint": "meeting"}, name="webhook_meeting"),
    path("webhook/webinar", intake.webhook, {"endpoint": "webinar"}, name="webhook_webinar"),
    path("join/<path:usage_key>", learner_views.join, name="join"),
    path("calendar/<path:usage_key>.ics", learner_views.calendar, name="calendar"),
    path("feed/course/<path:course_key>/reset", learner_views.feed_reset, name="feed_reset"),
    path("feed/course/<path:course_key>", learner_views.feed_page, name="feed_page"),
    path("feed/<str:token>.ics", learner_views.feed, name="feed"),
    path("report/<path:usage_key>.csv", staff_views.report_csv, name="report_csv"),
]
