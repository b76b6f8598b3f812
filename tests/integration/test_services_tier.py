"""The services tier for real: MariaDB, Redis as broker and cache, and a Celery worker process."""
import pytest
from django.db import connection
from django.utils import timezone

from tests.integration.conftest import wait_for
from tests.utils import COURSE, enroll, make_user, unenroll
from zoom_xblock.locks import exclusive, redis_client
from zoom_xblock.models import Registration, ZoomSession

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_the_database_is_mariadb_with_utf8mb4(services):
    assert connection.vendor == "mysql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@character_set_database")
        assert cursor.fetchone()[0] == "utf8mb4"
    session = ZoomSession.objects.create(usage_key="k-😀", course_key=COURSE, title="Ünïcode ☕")
    assert ZoomSession.objects.get(id=session.id).title == "Ünïcode ☕"


def test_locks_are_shared_through_redis(services):
    assert redis_client() is not None
    with exclusive("services-tier-test") as first:
        with exclusive("services-tier-test") as second:
            assert (bool(first), bool(second)) == (True, False)


def test_an_enrollment_reaches_a_real_worker_through_redis(celery_worker):
    session = ZoomSession.objects.create(
        usage_key="block-v1:Demo+Zoom+2026+type@zoom+block@svc", course_key=COURSE,
        title="Services", start=timezone.now(), status=ZoomSession.Status.SCHEDULED,
    )
    ada = make_user("ada")
    enroll(ada)  # real openedx-events signal -> receiver -> on_commit -> Redis -> worker
    row = wait_for(lambda: Registration.objects.filter(session=session, user_id=ada.id).first())
    assert row.wanted is True
    unenroll(ada)
    wait_for(lambda: not Registration.objects.get(id=row.id).wanted)
    wait_for(lambda: ZoomSession.objects.get(id=session.id).sync_requested_at is None)
