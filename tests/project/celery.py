"""The Celery app of the workbench project, configured from Django settings like the LMS's."""
import os

from celery import Celery
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.project.settings")

app = Celery("zoom_workbench")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Like openedx/core/lib/celery/__init__.py, the broker comes from the platform's BROKER_URL.
app.conf.broker_url = settings.BROKER_URL
app.autodiscover_tasks()
