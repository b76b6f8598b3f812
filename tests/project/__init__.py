"""The workbench project used by the demo and the tests."""
from tests.project.celery import app as celery_app

__all__ = ["celery_app"]
