"""The Celery app of the workbench project, configured from Django settings like the LMS's."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.project.settings")

app = Celery("zoom_workbench")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
