"""Two Zoom accounts end to end in the services tier: MariaDB, Redis, a real Celery worker,
and one sandbox URL serving both accounts. Each course's meeting and learners land in its own
account; each account issues the worker its own token and counts its own calls."""
import json

import pytest
from django.utils import timezone

from tests.integration.conftest import wait_for
from tests.learning import session_values
from tests.unit.test_accounts import NORTH, NORTH_COURSE, SOUTH, SOUTH_COURSE, settings_for
from tests.utils import enroll, make_user
from zoom_xblock.meeting import sessions
from zoom_xblock.models import Registration, ZoomSession
from zoom_xblock.sandbox.accounts import start_accounts_sandbox

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
QUEUE = "zoom-accounts-test"  # not the other workers' queue: they have one account only


@pytest.fixture(scope="module")
def two_accounts():
    handle = start_accounts_sandbox([NORTH, SOUTH], webhook_base="", time_scale=50)
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def accounts_worker(worker_factory, two_accounts):
    south = settings_for(two_accounts.url)["ACCOUNTS"]
    return worker_factory(sandbox_url=two_accounts.url, extra_env={
        "ZOOM_ACCOUNT_ID": NORTH["account_id"], "ZOOM_CLIENT_ID": NORTH["client_id"],
        "ZOOM_CLIENT_SECRET": NORTH["client_secret"],
        "ZOOM_ACCOUNTS": json.dumps(south), "ZOOM_ORG_ACCOUNTS": '{"SouthX": "south"}',
        "ZOOM_CELERY_QUEUE": QUEUE})


def test_two_accounts_create_and_register_in_their_own_zoom(two_accounts, accounts_worker,
                                                            settings):
    from django.core.cache import cache

    cache.clear()  # no token of an earlier sandbox (its address) in the shared cache
    settings.ZOOM_XBLOCK = {**settings_for(two_accounts.url), "RATE_SCALE": 50,
                            "CELERY_QUEUE": QUEUE}
    made = {}
    for course, name, host in ((NORTH_COURSE, "n", "host@example.com"),
                               (SOUTH_COURSE, "s", "south-host@example.com")):
        usage = f"block-v1:{course.split(':')[1]}+type@zoom+block@svc-{name}"
        made[course] = sessions.save_desired(usage, course, session_values(
            host_email=host, start=timezone.now() + timezone.timedelta(days=2)))
    scheduled = {course: wait_for(lambda s=session: ZoomSession.objects.filter(
        id=s.id, status="scheduled").exclude(zoom_id=None).first(), timeout=60)
        for course, session in made.items()}
    assert scheduled[NORTH_COURSE].zoom_account == "default"
    assert scheduled[SOUTH_COURSE].zoom_account == "south"
    people = {NORTH_COURSE: [make_user(f"n{n}") for n in range(3)],
              SOUTH_COURSE: [make_user(f"s{n}") for n in range(3)]}
    for course, users in people.items():
        for user in users:
            enroll(user, course)
    for session in scheduled.values():
        wait_for(lambda s=session: Registration.objects.filter(
            session=s, state=Registration.State.REGISTERED).count() == 3, timeout=60)
    north_zoom = two_accounts.account(NORTH["account_id"]).state
    south_zoom = two_accounts.account(SOUTH["account_id"]).state
    south_meeting = south_zoom.meetings[scheduled[SOUTH_COURSE].zoom_id]
    assert {r.email for r in south_meeting.registrants.values()} == {
        f"s{n}@example.com" for n in range(3)}
    assert scheduled[SOUTH_COURSE].zoom_id not in north_zoom.meetings
    assert scheduled[NORTH_COURSE].zoom_id in north_zoom.meetings
    # Each account gave the worker its own token, and counted its own calls.
    for account in (NORTH, SOUTH):
        calls = two_accounts.account(account["account_id"]).stats.snapshot()["calls"]
        assert calls.get("POST /oauth/token", 0) >= 1 and calls.get(
            "POST /meetings/{id}/batch_registrants", 0) >= 1, (account, calls)
