"""An LMS worker and a CMS worker, each on its own queues (Tutor's lms-worker and cms-worker):
a task the plugin queues from Studio runs in the LMS worker; one queued without ``queue=`` would
run in the CMS worker, where the modulestore reads drafts and LMS URLs do not exist."""
import time

import pytest

from tests.integration.conftest import wait_for
from tests.project.celery import app
from tests.utils import COURSE
from zoom_xblock import intents, tasks
from zoom_xblock.models import ZoomSession

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _ran(worker, task_name: str) -> bool:
    return f"{task_name}[" in worker.log_path.read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def studio_process():
    """This process plays Studio: without an explicit queue, its tasks go to the CMS queue."""
    before = app.conf.task_default_queue
    app.conf.task_default_queue = "edx.cms.core.default"
    yield
    app.conf.task_default_queue = before


def test_a_task_queued_from_studio_runs_in_the_lms_worker(zoom_sandbox, worker_factory,
                                                          studio_process):
    lms, cms = worker_factory(service="lms"), worker_factory(service="cms")
    session = ZoomSession.objects.create(
        usage_key="block-v1:Demo+Zoom+2026+type@zoom+block@split", course_key=COURSE,
        title="Split", host_email="host@example.com", status=ZoomSession.Status.CREATING)

    intents.queue_apply(session.id)  # what a Studio save followed by Publish queues

    wait_for(lambda: ZoomSession.objects.get(id=session.id).status == "scheduled", timeout=60)
    assert _ran(lms, "zoom_xblock.tasks.apply_session")
    assert not _ran(cms, "zoom_xblock.tasks.apply_session")

    # The control: the same process, a task queued the platform's default way, lands in Studio.
    tasks.check_health.apply_async()
    deadline = time.monotonic() + 30
    while not _ran(cms, "zoom_xblock.tasks.check_health") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _ran(cms, "zoom_xblock.tasks.check_health")
    assert not _ran(lms, "zoom_xblock.tasks.check_health")
