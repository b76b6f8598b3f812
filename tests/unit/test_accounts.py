"""Several Zoom accounts per site: each course's meetings, learners, organizers, webhooks and
checks go to its own account, served by a sandbox that holds two accounts behind one URL."""
import json

import pytest
import requests
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from tests.learning import session_values
from tests.utils import enroll, make_user
from zoom_xblock import accounts, authoring, health, lifecycle, sessions, staff, sync, zoom_api
from zoom_xblock.conf import get_config
from zoom_xblock.models import CourseZoomAccount, Registration, ZoomSession
from zoom_xblock.sandbox.accounts import start_accounts_sandbox
from zoom_xblock.zoom.webhooks import signature_headers

pytestmark = pytest.mark.django_db

NORTH = {"account_id": "north-account", "client_id": "north-client",
         "client_secret": "north-secret", "webhook_secret": "north-webhook", "plan": "pro",
         "seed_users": ({"email": "host@example.com", "first_name": "Grace",
                         "last_name": "Hopper", "type": 2, "webinar": True},)}
SOUTH = {"account_id": "south-account", "client_id": "south-client",
         "client_secret": "south-secret", "webhook_secret": "south-webhook",
         "plan": "business",
         "seed_users": ({"email": "south-host@example.com", "first_name": "Ada",
                         "last_name": "Lovelace", "type": 2, "webinar": True},)}
NORTH_COURSE = "course-v1:NorthX+Maths+2026"
SOUTH_COURSE = "course-v1:SouthX+Poetry+2026"


def settings_for(url: str) -> dict:
    return {
        "ACCOUNT_ID": NORTH["account_id"], "CLIENT_ID": NORTH["client_id"],
        "CLIENT_SECRET": NORTH["client_secret"], "WEBHOOK_SECRET_TOKEN": NORTH["webhook_secret"],
        "OAUTH_URL": f"{url}/oauth/token", "RATE_SCALE": 50, "SYNC_DEBOUNCE_SECONDS": 0,
        "ACCOUNTS": {"south": {
            "ACCOUNT_ID": SOUTH["account_id"], "CLIENT_ID": SOUTH["client_id"],
            "CLIENT_SECRET": SOUTH["client_secret"],
            "WEBHOOK_SECRET_TOKEN": SOUTH["webhook_secret"], "PLAN": "business"}},
        "ORG_ACCOUNTS": {"SouthX": "south"},
    }


@pytest.fixture(scope="module")
def _two_accounts():
    handle = start_accounts_sandbox([NORTH, SOUTH], webhook_base="", time_scale=50)
    yield handle
    handle.stop()


@pytest.fixture
def two_accounts(_two_accounts, settings):
    requests.post(f"{_two_accounts.url}/_sandbox/reset", timeout=5).raise_for_status()
    cache.clear()
    settings.ZOOM_XBLOCK = settings_for(_two_accounts.url)
    return _two_accounts


def scheduled(course_key: str, name: str, host: str) -> ZoomSession:
    usage = f"block-v1:{course_key.split(':')[1]}+type@zoom+block@{name}"
    made = sessions.save_desired(usage, course_key, session_values(host_email=host))
    lifecycle.apply_session(made.id)
    made.refresh_from_db()
    return made


# --- Which account a course uses -----------------------------------------------------------------

def test_the_top_level_keys_are_the_default_account_and_others_inherit_the_shared_keys(settings):
    settings.ZOOM_XBLOCK = {**settings_for("http://zoom.test"), "RATE_SCALE": 2}
    site = accounts.configured_accounts()
    assert set(site) == {"default", "south"}
    assert site["default"].account_id == "north-account"
    assert site["south"].plan == "business" and site["south"].rate_scale == 2
    assert site["south"].oauth_url == "http://zoom.test/oauth/token"
    assert "south-secret" not in repr(site["south"])
    assert "south-secret" not in repr(get_config())


def test_a_course_takes_its_organisations_account_unless_operators_chose_its_own(settings):
    settings.ZOOM_XBLOCK = settings_for("http://zoom.test")
    assert accounts.course_account_name(NORTH_COURSE) == "default"
    assert accounts.course_account_name(SOUTH_COURSE) == "south"
    accounts.set_course_account(NORTH_COURSE, "south", note="moved by the operator")
    assert accounts.course_account_name(NORTH_COURSE) == "south"
    assert accounts.course_account_source(NORTH_COURSE) == "course"
    assert accounts.course_account_source(SOUTH_COURSE) == "organisation"
    assert accounts.course_account_names([NORTH_COURSE, SOUTH_COURSE, "course-v1:X+Y+Z"]) == {
        NORTH_COURSE: "south", SOUTH_COURSE: "south", "course-v1:X+Y+Z": "default"}


def test_an_unknown_account_is_refused_with_its_name(settings):
    settings.ZOOM_XBLOCK = {**settings_for("http://zoom.test"), "ORG_ACCOUNTS": {"SouthX": "x"}}
    with pytest.raises(ValueError, match="no Zoom account named east"):
        accounts.set_course_account(NORTH_COURSE, "east")
    with pytest.raises(zoom_api.NotConfigured, match="'x'"):
        zoom_api.get_client(account=accounts.course_account_name(SOUTH_COURSE))
    assert any(p.code == "unknown_account" and p.params["account"] == "x"
               for p in health.settings_problems())


def test_accounts_come_from_the_environment_as_json(settings, monkeypatch):
    settings.ZOOM_XBLOCK = {}
    monkeypatch.setenv("ZOOM_ACCOUNTS", json.dumps({"east": {"ACCOUNT_ID": "e"}}))
    monkeypatch.setenv("ZOOM_ORG_ACCOUNTS", '{"EastX": "east"}')
    assert accounts.course_account_name("course-v1:EastX+A+B") == "east"
    assert accounts.get_account("east").account_id == "e"
    monkeypatch.setenv("ZOOM_ACCOUNTS", "[not json")
    from django.core.exceptions import ImproperlyConfigured
    with pytest.raises(ImproperlyConfigured, match="ZOOM_ACCOUNTS"):
        accounts.configured_accounts()


# --- Each account its own Zoom ------------------------------------------------------------------

def test_each_account_has_its_own_token_buckets_and_plan(two_accounts):
    north, south = zoom_api.get_client(account="default"), zoom_api.get_client(account="south")
    assert north.account_key != south.account_key
    assert north.tokens.cache_key != south.tokens.cache_key
    assert (north.plan, south.plan) == ("pro", "business")
    assert north.granted_scopes() and south.granted_scopes()
    assert cache.get(north.tokens.cache_key) != cache.get(south.tokens.cache_key)


def test_meetings_and_learners_go_to_the_courses_own_account(two_accounts):
    north_session = scheduled(NORTH_COURSE, "n1", "host@example.com")
    south_session = scheduled(SOUTH_COURSE, "s1", "south-host@example.com")
    assert (north_session.status, south_session.status) == ("scheduled", "scheduled")
    assert (north_session.zoom_account, south_session.zoom_account) == ("default", "south")
    north_zoom = two_accounts.account("north-account").state
    south_zoom = two_accounts.account("south-account").state
    assert north_session.zoom_id in north_zoom.meetings
    assert south_session.zoom_id in south_zoom.meetings
    assert south_session.zoom_id not in north_zoom.meetings

    ada = make_user("ada")
    enroll(ada, SOUTH_COURSE)
    sync.sync_session(south_session.id, "test")
    row = Registration.objects.get(session=south_session, user_id=ada.id)
    assert row.state == Registration.State.REGISTERED
    meeting = south_zoom.meetings[south_session.zoom_id]
    assert "ada@example.com" in {r.email for r in meeting.registrants.values()}


def test_an_organizer_of_another_account_is_refused(two_accounts):
    errors, _warnings = authoring.organizer_problems("host@example.com", "meeting",
                                                     account="south")
    assert "host_email" in errors
    assert authoring.organizer_problems("south-host@example.com", "meeting",
                                        account="south") == ({}, [])
    session = scheduled(SOUTH_COURSE, "s2", "host@example.com")
    assert session.status == ZoomSession.Status.FAILED and session.zoom_id is None


def test_staff_see_which_account_a_session_uses(two_accounts):
    session = scheduled(SOUTH_COURSE, "s3", "south-host@example.com")
    line = staff.account_line(session, SOUTH_COURSE)
    assert line["name"] == "south" and "created under" in line["why"]
    line = staff.account_line(None, SOUTH_COURSE)
    assert line["name"] == "south" and "organisation" in line["why"]


def test_the_staff_panel_names_the_sessions_account(two_accounts):
    from tests.utils import COURSE, make_block, render
    from zoom_xblock import platform

    teacher = make_user("teacher", course_role="staff")
    block = make_block(teacher, title="Office hours", start_local="2030-01-15T15:00",
                       timezone="UTC", host_email="south-host@example.com")
    CourseZoomAccount.objects.create(course_key=COURSE, account="south")
    ZoomSession.objects.create(usage_key=platform.usage_key_for(block), course_key=COURSE,
                               title="Office hours", status=ZoomSession.Status.SCHEDULED,
                               zoom_id=123, zoom_account="south",
                               host_email="south-host@example.com")
    html = render(block)
    assert "Zoom account: south." in html and "created under this account" in html


def test_a_blocks_banner_shows_its_own_accounts_problems_only(two_accounts, settings):
    config = settings_for(two_accounts.url)
    config["ACCOUNTS"]["south"]["CLIENT_SECRET"] = "wrong"
    settings.ZOOM_XBLOCK = config
    health.run_check(self_check_webhooks=False)
    codes = {account: {p.code for p in health.banner_problems("x@example.com", account=account)}
             for account in ("default", "south")}
    assert "token" in codes["south"] and "token" not in codes["default"]


def test_a_meeting_deleted_in_zoom_is_created_again_in_the_courses_account_now(two_accounts):
    session = scheduled(SOUTH_COURSE, "s9", "south-host@example.com")
    ZoomSession.objects.filter(id=session.id).update(live_status=ZoomSession.LiveStatus.ENDED)
    accounts.set_course_account(SOUTH_COURSE, "default")
    two_accounts.account("north-account").state.upsert_user(
        {"email": "south-host@example.com", "type": 2, "webinar": True})
    ZoomSession.objects.filter(id=session.id).update(
        zoom_id=None, status=ZoomSession.Status.CREATING, live_status="not_started",
        synced_version=0)
    lifecycle.apply_session(session.id)
    session.refresh_from_db()
    assert session.zoom_account == "default"
    assert session.zoom_id in two_accounts.account("north-account").state.meetings


def test_a_retired_learner_is_cancelled_in_the_sessions_own_account(two_accounts):
    from zoom_xblock import retirement

    session = scheduled(SOUTH_COURSE, "r1", "south-host@example.com")
    ada = make_user("ada")
    enroll(ada, SOUTH_COURSE)
    sync.sync_session(session.id, "test")
    row = Registration.objects.get(session=session, user_id=ada.id)
    answer = retirement.cancel_in_zoom(session.id, [{"id": row.registrant_id,
                                                     "email": row.email}])
    assert answer == {"cancelled": 1}
    meeting = two_accounts.account("south-account").state.meetings[session.zoom_id]
    assert meeting.registrants[row.registrant_id].status == "cancelled"


# --- What the Studio editor knows, per account ------------------------------------------------

NO_PLAN = "no Zoom Webinar plan"


def editor_twice(block, capture):
    """The editor as an author sees it once the worker answered what its first render asked
    (the refresh task runs eagerly after the commit)."""
    from tests.utils import render

    with capture(execute=True):
        render(block, "studio_view")
    return render(block, "studio_view")


def calls_of(two_accounts, account_id: str) -> dict:
    return two_accounts.account(account_id).stats.snapshot()["calls"]


def test_a_course_on_south_is_offered_what_souths_plan_allows_not_norths(
        two_accounts, django_capture_on_commit_callbacks):
    from tests.utils import COURSE, make_block

    requests.post(f"{two_accounts.url}/_sandbox/account?account=south-account",
                  json={"webinar_plan": False}, timeout=5).raise_for_status()
    author = make_user("author", email="host@example.com", course_role="instructor")
    block = make_block(author, studio=True, title="Lecture")
    html = editor_twice(block, django_capture_on_commit_callbacks)
    assert 'value="webinar"' in html and NO_PLAN not in html  # north has the Webinar plan
    CourseZoomAccount.objects.create(course_key=COURSE, account="south")
    html = editor_twice(block, django_capture_on_commit_callbacks)
    assert 'value="webinar"' not in html and NO_PLAN in html


def test_an_organizer_licensed_only_in_north_is_not_proposed_nor_taken_on_a_south_course(
        two_accounts, django_capture_on_commit_callbacks):
    from tests.unit.test_licences import organizer_field
    from tests.utils import COURSE, call_handler, make_block

    author = make_user("grace", email="host@example.com", course_role="instructor")
    make_user("ada", email="south-host@example.com", course_role="instructor",
              first_name="Ada", last_name="Lovelace")
    CourseZoomAccount.objects.create(course_key=COURSE, account="south")
    block = make_block(author, studio=True, title="Lecture", start_local="2030-01-15T15:00",
                       timezone="UTC", duration_minutes=60)
    html = editor_twice(block, django_capture_on_commit_callbacks)
    assert organizer_field(html) == "south-host@example.com"
    assert "Ada Lovelace (south-host@example.com), an instructor of this course" in html
    assert "you are not a user of your organization" in html
    status, body = call_handler(block, "studio_submit", {"host_email": "host@example.com"})
    assert status == 400 and "no user host@example.com" in body["errors"]["host_email"]


def test_the_editor_of_a_south_course_asks_zoom_with_souths_credentials_only(
        two_accounts, django_capture_on_commit_callbacks):
    from tests.utils import COURSE, make_block
    from zoom_xblock import directory

    CourseZoomAccount.objects.create(course_key=COURSE, account="south")
    author = make_user("ada", email="south-host@example.com", course_role="instructor")
    editor_twice(make_block(author, studio=True, title="Lecture"),
                 django_capture_on_commit_callbacks)
    assert calls_of(two_accounts, "north-account") == {}
    south = calls_of(two_accounts, "south-account")
    assert south["POST /oauth/token"] == 1  # south's credentials gave the token
    assert south["GET /accounts/{accountId}/plans/usage"]  # at south's own account id
    assert directory.user_status("south-host@example.com", "south")["licensed"] is True
    assert directory.user_status("south-host@example.com", "default") is None


def test_zoom_check_looks_at_each_accounts_webinar_plan_for_its_courses_editor(two_accounts):
    from zoom_xblock import directory

    requests.post(f"{two_accounts.url}/_sandbox/account?account=south-account",
                  json={"webinar_plan": False}, timeout=5).raise_for_status()
    report = health.run_check(store=False, self_check_webhooks=False)
    assert "Zoom account default: The Zoom account has a Webinar plan." in report.passed
    assert any(line.startswith("Zoom account south: The Zoom account has no Webinar plan")
               for line in report.passed)
    assert (directory.webinars_allowed("default"), directory.webinars_allowed("south")) == (
        True, False)


def test_a_directory_refresh_queued_before_accounts_is_about_the_default_account(
        two_accounts):
    from zoom_xblock import directory, tasks

    assert tasks.refresh_zoom_directory.delay(["host@example.com"]).get() == {
        "webinar": True, "users": 1}
    assert directory.user_status("host@example.com")["licensed"] is True
    assert directory.user_status("host@example.com", "south") is None  # not asked there
    assert calls_of(two_accounts, "south-account") == {}


# --- Webhooks, one URL pair for every account ---------------------------------------------------

def _event(account_id, zoom_id=123456789, event="meeting.started"):
    return json.dumps({"event": event, "event_ts": 1, "payload": {
        "account_id": account_id, "object": {"id": zoom_id, "uuid": "u==",
                                             "start_time": "2030-01-15T14:00:00Z"}}}).encode()


def _post(body, secret):
    headers = {k: v for k, v in signature_headers(secret, body).items() if k != "Content-Type"}
    return Client().generic("POST", "/zoom/webhook/meeting", body,
                            content_type="application/json", headers=headers)


def test_each_accounts_webhooks_are_verified_with_its_own_secret(two_accounts):
    assert _post(_event("south-account"), "south-webhook").status_code == 200
    assert _post(_event("north-account", 2), "north-webhook").status_code == 200
    # Signed by one account's secret, naming another: refused like a bad signature.
    assert _post(_event("south-account", 3), "north-webhook").status_code == 401
    assert _post(_event("unknown-account", 4), "south-webhook").status_code == 401
    assert _post(_event("unknown-account", 5), "nobodys-secret").status_code == 401


def test_one_account_cannot_send_events_about_anothers_meetings(two_accounts):
    south_session = scheduled(SOUTH_COURSE, "w1", "south-host@example.com")
    forged = _event("north-account", south_session.zoom_id)
    assert _post(forged, "north-webhook").status_code == 401
    assert _post(_event("south-account", south_session.zoom_id), "south-webhook"
                 ).status_code == 200


def test_url_validation_is_answered_with_the_signing_accounts_secret(two_accounts):
    from zoom_xblock.zoom.webhooks import url_validation_response

    body = json.dumps({"event": "endpoint.url_validation",
                       "payload": {"plainToken": "abc"}, "event_ts": 1}).encode()
    answer = _post(body, "south-webhook")
    assert answer.status_code == 200
    assert answer.json() == url_validation_response("south-webhook", "abc")


# --- zoom_check per account ---------------------------------------------------------------------

def test_zoom_check_has_one_section_per_account(two_accounts, settings):
    scheduled(SOUTH_COURSE, "s4", "south-host@example.com")
    report = health.run_check(store=False)
    assert report.problems == [p for p in report.problems if p.code == "sweep"]
    for name in ("default", "south"):
        assert any(line.startswith(f"Zoom account {name}:") and "token" in line
                   for line in report.passed), name
    assert any(line.startswith("Zoom account south: The 1 organizer") for line in report.passed)
    config = settings_for(two_accounts.url)
    config["ACCOUNTS"]["south"]["WEBHOOK_SECRET_TOKEN"] = ""
    config["ACCOUNTS"]["south"]["CLIENT_SECRET"] = "wrong"
    settings.ZOOM_XBLOCK = config
    cache.clear()
    lines = [p.line for p in health.run_check(store=False).problems]
    assert any(line.startswith("Zoom account south: The webhook secret token is not set")
               for line in lines)
    assert any(line.startswith("Zoom account south: Zoom refused") for line in lines)
    assert not any(line.startswith("Zoom account default:") for line in lines)


# --- Moving a course ----------------------------------------------------------------------------

def test_moving_a_course_with_a_live_meeting_is_refused_until_it_is_over(two_accounts):
    session = scheduled(SOUTH_COURSE, "s5", "south-host@example.com")
    with pytest.raises(ValueError, match="cannot move to the Zoom account default"):
        accounts.set_course_account(SOUTH_COURSE, "default")
    with pytest.raises(CommandError, match="not over"):
        call_command("zoom_account", "set", SOUTH_COURSE, "default")
    assert not CourseZoomAccount.objects.exists()
    ZoomSession.objects.filter(id=session.id).update(live_status=ZoomSession.LiveStatus.ENDED)
    accounts.set_course_account(SOUTH_COURSE, "default")
    assert accounts.course_account_name(SOUTH_COURSE) == "default"
    session.refresh_from_db()
    assert accounts.session_account_name(session) == "south"  # its meeting stays where it is


def test_the_admin_refuses_the_move_with_the_same_words(two_accounts):
    from zoom_xblock.admin import CourseZoomAccountForm

    scheduled(SOUTH_COURSE, "s6", "south-host@example.com")
    form = CourseZoomAccountForm(data={"course_key": SOUTH_COURSE, "account": "default"})
    assert not form.is_valid()
    assert "not over" in str(form.errors)


def test_migrate_recreates_the_meetings_and_registers_every_learner_again(two_accounts,
                                                                            capsys):
    ZoomSession.objects.all().delete()
    session = scheduled(SOUTH_COURSE, "s7", "host@example.com")  # north's host: fails in south
    assert session.status == ZoomSession.Status.FAILED
    accounts.set_course_account(SOUTH_COURSE, "default")
    session = scheduled(SOUTH_COURSE, "s8", "host@example.com")
    people = [make_user(name) for name in ("ada", "bob")]
    for person in people:
        enroll(person, SOUTH_COURSE)
    sync.sync_session(session.id, "test")
    old_id = session.zoom_id
    old_links = set(Registration.objects.values_list("join_url", flat=True))
    # The organizer exists in the new account too (a shared host moving with the course).
    two_accounts.account("south-account").state.upsert_user(
        {"email": "host@example.com", "type": 2, "webinar": True})
    call_command("zoom_account", "migrate", SOUTH_COURSE, "south")
    out = capsys.readouterr().out
    session.refresh_from_db()
    assert session.zoom_account == "south" and session.zoom_id != old_id
    assert two_accounts.account("north-account").state.meetings[old_id].deleted
    assert session.zoom_id in two_accounts.account("south-account").state.meetings
    rows = Registration.objects.filter(session=session)
    assert {row.state for row in rows} == {Registration.State.REGISTERED}
    assert not old_links & set(rows.values_list("join_url", flat=True))
    assert "ada@example.com: registered" in out and "bob@example.com: registered" in out
    assert accounts.course_account_name(SOUTH_COURSE) == "south"
