"""Platform hygiene (issue 11, point 10): a login is never broken by the plugin, a retired
account leaves nothing personal behind, and ``zoom_check`` says when completion tracking is off.
"""
import logging

import pytest
from completion.waffle import ENABLE_COMPLETION_TRACKING_SWITCH
from django.db import DatabaseError, connection
from django.test import Client
from edx_toggles.toggles.testutils import override_waffle_switch
from openedx.core.djangoapps.user_api.accounts.signals import (
    USER_RETIRE_LMS_CRITICAL,
    USER_RETIRE_LMS_MISC,
)

from tests.learning import register_all, registration, schedule
from tests.unit.test_zoom_check import _check, healthy  # noqa: F401
from tests.utils import make_user
from tests.zoom_people import capture_webhooks, deliver
from zoom_xblock import intents
from zoom_xblock.models import AttendanceInterval, Registration, WebhookEvent, ZoomSession

pytestmark = pytest.mark.django_db

USAGE = "block-v1:Demo+Zoom+2026+type@zoom+block@hygiene"


# --- A login is never broken --------------------------------------------------------------------

def _log_in(user) -> int:
    response = Client().post("/accounts/login/", {"username": user.username,
                                                  "password": "password"})
    return response.status_code


def test_a_failing_login_receiver_is_logged_and_the_login_goes_on(monkeypatch, caplog):
    ada = make_user("ada")

    def broken(user_id, trigger):
        raise RuntimeError("the plugin is broken")

    monkeypatch.setattr(intents, "request_user_sync", broken)
    with caplog.at_level(logging.ERROR, logger="zoom_xblock.receivers"):
        assert _log_in(ada) == 302
    assert "Could not record the login" in caplog.text


def test_a_database_error_in_the_login_receiver_leaves_the_login_transaction_usable(
        monkeypatch):
    ada = make_user("ada")

    def failing_query(user_id, trigger):
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM a_table_that_does_not_exist")
        raise DatabaseError("unreachable")

    monkeypatch.setattr(intents, "request_user_sync", failing_query)
    assert _log_in(ada) == 302
    assert ZoomSession.objects.count() == 0  # the connection still answers


# --- Account retirement -----------------------------------------------------------------------

@pytest.fixture
def attended(zoom_sandbox, monkeypatch, django_capture_on_commit_callbacks):
    """Ada and Bob registered in a scheduled session; Ada's join arrived as a webhook."""
    from tests.learning import learners
    from tests.unit.test_attendance import SECRET
    from tests.zoom_people import ZoomRoom

    outbox = capture_webhooks(zoom_sandbox, monkeypatch)
    session = schedule(USAGE)
    ada, bob = learners("ada", "bob")
    register_all(session)
    room = ZoomRoom(zoom_sandbox.url, session.zoom_id)
    room.start()
    room.join(registration(session, ada))
    room.join(registration(session, bob))
    for payload in outbox:
        with django_capture_on_commit_callbacks(execute=True):
            assert deliver(payload, SECRET).status_code == 200
    outbox[:] = []
    return session, ada, bob, zoom_sandbox


@pytest.mark.parametrize("signal", [USER_RETIRE_LMS_MISC, USER_RETIRE_LMS_CRITICAL])
def test_retiring_an_account_deletes_its_data_and_keeps_the_others(
        attended, signal, django_capture_on_commit_callbacks):
    session, ada, bob, _sandbox = attended
    ada_row = registration(session, ada)
    assert AttendanceInterval.objects.filter(registration=ada_row).exists()
    assert WebhookEvent.objects.filter(payload__icontains=ada.email).exists()

    with django_capture_on_commit_callbacks(execute=True):
        signal.send(sender=None, user=ada)

    assert not Registration.objects.filter(user_id=ada.id).exists()
    assert not AttendanceInterval.objects.filter(email__iexact=ada.email).exists()
    assert not AttendanceInterval.objects.filter(registrant_id=ada_row.registrant_id).exists()
    assert not WebhookEvent.objects.filter(payload__icontains=ada.email).exists()
    assert not WebhookEvent.objects.filter(payload__icontains=ada_row.registrant_id).exists()
    assert WebhookEvent.objects.filter(payload__icontains=bob.email).exists()
    assert registration(session, bob) is not None
    assert AttendanceInterval.objects.filter(registration=registration(session, bob)).exists()

    # Twice is harmless (the pipeline sends both signals).
    with django_capture_on_commit_callbacks(execute=True):
        USER_RETIRE_LMS_CRITICAL.send(sender=None, user=ada)
    assert registration(session, bob) is not None


def test_retiring_cancels_the_registrant_in_zoom(zoom_sandbox, django_capture_on_commit_callbacks):
    from tests.learning import learners

    session = schedule(USAGE)
    (ada,) = learners("ada")
    register_all(session)
    registrant_id = registration(session, ada).registrant_id
    assert registrant_id in _registrant_ids(session, "approved")

    with django_capture_on_commit_callbacks(execute=True):
        USER_RETIRE_LMS_MISC.send(sender=None, user=ada)

    assert registrant_id not in _registrant_ids(session, "approved")


def _registrant_ids(session, status) -> set:
    from zoom_xblock.clients import get_client

    return {r.get("id") for r in get_client().iter_registrants(session.kind, session.zoom_id,
                                                                status=status)}


# --- zoom_check: completion tracking ------------------------------------------------------------

def test_zoom_check_reports_completion_tracking_off(healthy):  # noqa: F811 (the fixture)
    with override_waffle_switch(ENABLE_COMPLETION_TRACKING_SWITCH, active=False):
        status, _passed, problems = _check()
    assert status == 1
    (line,) = problems
    assert line.startswith("PROBLEM [completion_tracking]: Completion tracking is off")
    assert "waffle_switch --create completion.enable_completion_tracking on" in line


def test_zoom_check_says_completion_tracking_is_on(healthy):  # noqa: F811 (the fixture)
    status, passed, problems = _check()
    assert (status, problems) == (0, [])
    assert any("Completion tracking is on" in line for line in passed)

