"""The plugin's URLs, mounted under ``/zoom/`` in the LMS by edx-django-utils."""
from django.urls import path

from zoom_xblock import views

app_name = "zoom_xblock"

urlpatterns = [
    path("webhook/meeting", views.webhook, {"endpoint": "meeting"}, name="webhook_meeting"),
    path("webhook/webinar", views.webhook, {"endpoint": "webinar"}, name="webhook_webinar"),
]
