"""The Studio editor: validation, the organizer check, saving, permissions and the author view."""
from datetime import UTC, datetime
from html.parser import HTMLParser
from unittest import mock

import pytest
from django.utils.translation import override

from tests.standin.models import Subsection
from tests.utils import (
    COURSE,
    SANDBOX_CREDENTIALS,
    call_handler,
    make_block,
    make_user,
    render,
)
from zoom_xblock import clients, intents
from zoom_xblock.meeting import sessions
from zoom_xblock.models import ZoomSession
from zoom_xblock.zoom import (
    HOST_NO_WEBINAR_LICENCE,
    HOST_NOT_FOUND,
    HOST_NOT_IN_ACCOUNT,
    HOST_NOT_LICENSED,
    ZoomHostError,
    ZoomUnavailable,
    ZoomUser,
)

pytestmark = pytest.mark.django_db


def studio_block(user=None, **fields):
    """A block in Studio's preview, where authors edit it."""
    return make_block(user, studio=True, **fields)

WEEK1 = "block-v1:Demo+Zoom+2026+type@sequential+block@week1"
VALID = {
    "display_name": "Office hours",
    "kind": "meeting",
    "title": "Office hours, week 1",
    "agenda": "Questions about week 1.",
    "start_date": "2030-01-15",
    "start_time": "15:00",
    "timezone": "Europe/Paris",
    "duration_minutes": "60",
    "host_email": "host@example.com",
    "alternative_hosts": "co@example.com,\nhelper@example.com",
    "capacity": "",
    "join_window_minutes": "15",
    "prerequisite_usage_key": "",
    "prerequisite_min_score": "0",
    "prerequisite_min_completion": "0",
    "completion_threshold": "75",
    "weight": "",
    "zoom_emails": False,
    "auto_recording": "none",
}
EDITED_FIELDS = (
    "display_name", "kind", "title", "agenda", "start_local", "timezone", "duration_minutes",
    "host_email", "alternative_hosts", "capacity", "join_window_minutes",
    "prerequisite_usage_key", "prerequisite_min_score", "prerequisite_min_completion",
    "completion_threshold", "weight", "zoom_emails", "auto_recording",
)


class FakeZoom:
    """A Zoom client whose ``get_user`` answers (or fails) as the test says: ``error``,
    ``licence`` and ``has_webinar`` for the organizer, ``others`` (e-mail -> an error, or
    ``(licence, has_webinar)``) for anyone else, who is otherwise a licensed user."""

    def __init__(self, error=None, licence="licensed", has_webinar=True):
        self.error, self.licence, self.has_webinar = error, licence, has_webinar
        self.others = {}
        self.calls = []

    def get_user(self, email, *, check_webinar=False):
        self.calls.append((email, check_webinar))
        if email != "host@example.com":
            answer = self.others.get(email, ("licensed", True))
            if isinstance(answer, Exception):
                raise answer
            return ZoomUser(id="u-2", email=email, licence=answer[0], has_webinar=answer[1],
                            raw={})
        if self.error is not None:
            raise self.error
        return ZoomUser(id="u-1", email=email, licence=self.licence,
                        has_webinar=self.has_webinar, raw={})


@pytest.fixture(autouse=True)
def forbid_side_effects(monkeypatch):
    """Zoom and save_desired fail the test unless the test allows them."""
    def no_zoom(**kwargs):
        pytest.fail("Zoom was called although it should not have been")

    monkeypatch.setattr(clients, "get_client", no_zoom)


@pytest.fixture
def zoom(monkeypatch, settings):
    """Zoom configured, answered by a FakeZoom the test can adjust."""
    settings.ZOOM_XBLOCK = {**SANDBOX_CREDENTIALS, "SYNC_DEBOUNCE_SECONDS": 0}
    fake = FakeZoom()
    monkeypatch.setattr(clients, "get_client", lambda **kwargs: fake)
    return fake


@pytest.fixture
def staff():
    return make_user("teacher", course_role="staff")


@pytest.fixture
def week1():
    return Subsection.objects.create(course_key=COURSE, usage_key=WEEK1,
                                     display_name="Week 1: Foundations")


def snapshot(block) -> dict:
    return {name: getattr(block, name) for name in EDITED_FIELDS}


def submit(block, **changes):
    return call_handler(block, "studio_submit", {**VALID, **changes})


# --- Validation: every invalid field gets its message, and nothing happens -------------------

INVALID = [
    ("display_name", {"display_name": "  "}, "Enter a display name"),
    ("title", {"title": "x" * 201}, "at most 200 characters (Zoom's limit); it has 201."),
    ("title", {"title": "", "display_name": "d" * 201}, "display name is too long (201 "),
    ("agenda", {"agenda": "x" * 2001}, "at most 2000 characters"),
    ("start_date", {"start_date": "2030-02-30"}, "valid date"),
    ("start_date", {"start_date": "15/01/2030"}, "YYYY-MM-DD"),
    ("start_date", {"start_date": ""}, "Enter the start date"),
    ("start_time", {"start_time": "25:00"}, "HH:MM"),
    ("timezone", {"timezone": "Mars/Olympus_Mons"}, "time zone"),
    ("duration_minutes", {"duration_minutes": "0"}, "from 1 to 1440"),
    ("duration_minutes", {"duration_minutes": "1441"}, "from 1 to 1440"),
    ("duration_minutes", {"duration_minutes": "1.5"}, "whole minutes"),
    ("host_email", {"host_email": "not-an-email"}, "not a valid e-mail address"),
    ("host_email", {"host_email": ""}, "e-mail address of the organizer"),
    ("alternative_hosts", {"alternative_hosts": "ok@example.com, nope"},
     "This is not a valid e-mail address: “nope”."),
    ("alternative_hosts", {"alternative_hosts": "nope, ok@example.com, bad@, @worse"},
     "These are not valid e-mail addresses: “nope”, “bad@”, “@worse”."),
    ("alternative_hosts", {"alternative_hosts": "co@example.com\nHOST@example.com"},
     "cannot also be an alternative host"),
    ("alternative_hosts",
     {"alternative_hosts": ", ".join(f"h{i}@example.com" for i in range(51))},
     "at most 50 alternative hosts"),
    ("capacity", {"capacity": "0"}, "from 1 to 4999"),
    ("capacity", {"capacity": "5000"}, "from 1 to 4999"),
    ("capacity", {"capacity": "lots"}, "blank for no limit"),
    ("join_window_minutes", {"join_window_minutes": "-1"}, "from 0 to 1440"),
    ("join_window_minutes", {"join_window_minutes": "1441"}, "from 0 to 1440"),
    ("prerequisite_usage_key",
     {"prerequisite_usage_key": "block-v1:Demo+Zoom+2026+type@sequential+block@nope",
      "prerequisite_min_score": "50"}, "Choose a subsection of this course"),
    ("prerequisite_min_score", {"prerequisite_min_score": "101"}, "from 0 to 100"),
    ("prerequisite_min_completion", {"prerequisite_min_completion": "-5"}, "from 0 to 100"),
    ("completion_threshold", {"completion_threshold": "150"}, "from 0 to 100"),
    ("weight", {"weight": "-1"}, "0 or more"),
    ("weight", {"weight": "heavy"}, "0 or more"),
    ("auto_recording", {"auto_recording": "local"}, "cloud recording"),
]


@pytest.mark.parametrize(("field", "changes", "expected"), INVALID,
                         ids=[f"{case[0]}-{i}" for i, case in enumerate(INVALID)])
def test_an_invalid_field_gets_its_message_and_nothing_is_saved(settings, monkeypatch, staff,
                                                                field, changes, expected):
    # Zoom is configured: the organizer would be checked if everything else were valid.
    settings.ZOOM_XBLOCK = {**SANDBOX_CREDENTIALS}
    monkeypatch.setattr(sessions, "save_desired",
                        lambda *args: pytest.fail("save_desired called for an invalid form"))
    block = studio_block(staff, display_name="Before", title="Before")
    before = snapshot(block)

    status, body = submit(block, **changes)

    assert status == 400
    assert body["result"] == "error"
    assert set(body["errors"]) == {field}
    assert expected in body["errors"][field]
    assert "Nothing was saved" in body["message"]
    assert snapshot(block) == before
    assert not ZoomSession.objects.exists()


def test_a_webinar_is_refused_when_webinars_are_disabled(settings, staff):
    settings.ZOOM_XBLOCK = {**SANDBOX_CREDENTIALS, "WEBINARS_ENABLED": False}
    block = studio_block(staff)

    status, body = submit(block, kind="webinar")

    assert status == 400
    assert "Webinars are not enabled" in body["errors"]["kind"]
    assert block.kind == "meeting"
    assert not ZoomSession.objects.exists()
    assert 'value="webinar"' not in render(block, "studio_view")


def test_a_prerequisite_needs_a_minimum(staff, week1):
    status, body = submit(studio_block(staff), prerequisite_usage_key=WEEK1)
    assert status == 400
    assert "minimum score or a minimum completion" in body["errors"]["prerequisite_min_score"]


def test_several_invalid_fields_are_all_reported(staff):
    status, body = submit(studio_block(staff), title="x" * 201, capacity="0", weight="-2")
    assert status == 400
    assert set(body["errors"]) == {"title", "capacity", "weight"}
    assert "3 fields" in body["message"]


def test_an_invalid_save_leaves_an_existing_session_alone(staff):
    block = studio_block(staff)
    assert submit(block)[0] == 200
    session = ZoomSession.objects.get()
    before = snapshot(block)

    status, _body = submit(block, title="Changed", duration_minutes="0")

    assert status == 400
    assert snapshot(block) == before
    after = ZoomSession.objects.get()
    assert (after.title, after.desired_version) == (session.title, session.desired_version)


# --- The organizer in Zoom ---------------------------------------------------------------------

@pytest.mark.parametrize(("reason", "expected"), [
    (HOST_NOT_FOUND, "Zoom has no user host@example.com"),
    (HOST_NOT_IN_ACCOUNT, "not in this organization's Zoom account"),
    (HOST_NOT_LICENSED, "Basic (free) Zoom user"),
    (HOST_NO_WEBINAR_LICENCE, "no Zoom Webinar licence"),
])
def test_an_organizer_zoom_refuses_gets_its_own_message(zoom, staff, reason, expected):
    zoom.error = ZoomHostError("refused", reason=reason)
    block = studio_block(staff)
    before = snapshot(block)

    status, body = submit(block)

    assert status == 400
    assert set(body["errors"]) == {"host_email"}
    assert expected in body["errors"]["host_email"]
    assert snapshot(block) == before
    assert not ZoomSession.objects.exists()


def test_an_unlicensed_organizer_is_refused(zoom, staff):
    zoom.licence = "basic"
    status, body = submit(studio_block(staff))
    assert status == 400
    assert "Basic (free) Zoom user" in body["errors"]["host_email"]


def test_a_webinar_needs_an_organizer_with_a_webinar_licence(zoom, staff):
    zoom.has_webinar = False
    status, body = submit(studio_block(staff), kind="webinar")
    assert status == 400
    assert "no Zoom Webinar licence" in body["errors"]["host_email"]
    assert zoom.calls[0] == ("host@example.com", True)


def test_a_licensed_organizer_is_accepted(zoom, staff):
    status, body = submit(studio_block(staff))
    assert status == 200
    assert body["warnings"] == []
    assert zoom.calls == [("host@example.com", False), ("co@example.com", False),
                          ("helper@example.com", False)]  # the alternative hosts too


# --- The alternative hosts in Zoom, checked like the organizer ----------------------------------

def test_every_refused_alternative_host_is_named_each_cause_in_its_own_message(zoom, staff):
    zoom.others = {
        "out1@example.com": ZoomHostError("1001", reason=HOST_NOT_FOUND),
        "out2@example.com": ZoomHostError("1001", reason=HOST_NOT_FOUND),
        "elsewhere@example.org": ZoomHostError("1010", reason=HOST_NOT_IN_ACCOUNT),
        "free1@example.com": ("basic", None),
        "free2@example.com": ("basic", None),
    }
    block = studio_block(staff)
    before = snapshot(block)

    status, body = submit(block, alternative_hosts=(
        "co@example.com, out1@example.com, free1@example.com, elsewhere@example.org, "
        "out2@example.com, free2@example.com"))

    assert status == 400
    assert set(body["errors"]) == {"alternative_hosts"}
    message = body["errors"]["alternative_hosts"]
    assert ("Zoom has no users out1@example.com, out2@example.com in this organization's Zoom "
            "account") in message
    assert "elsewhere@example.org uses Zoom, but not in this organization's Zoom" in message
    assert "free1@example.com, free2@example.com have Basic (free) Zoom users" in message
    assert "co@example.com" not in message
    assert snapshot(block) == before
    assert not ZoomSession.objects.exists()


def test_a_webinars_alternative_hosts_need_a_webinar_licence(zoom, staff):
    zoom.others = {"co@example.com": ("licensed", False)}
    status, body = submit(studio_block(staff), kind="webinar")
    assert status == 400
    assert body["errors"] == {"alternative_hosts": (
        "co@example.com has no Zoom Webinar licence, which the alternative hosts of a webinar "
        "need: ask your Zoom administrator to assign one, or remove the address.")}
    assert ("helper@example.com", True) in zoom.calls


def test_alternative_hosts_zoom_cannot_check_give_a_warning_only(zoom, staff):
    zoom.others = {"helper@example.com": ZoomUnavailable("timeout")}
    status, body = submit(studio_block(staff))
    assert status == 200
    assert body["warnings"] == ["Could not verify the alternative hosts in Zoom now; they will "
                                "be checked when the meeting is saved in Zoom."]


def test_edit_after_edit_costs_one_organizer_look_up(zoom, staff):
    """Issue 13 point 5: 120 edits cost 123 user look-ups; Zoom's answer is kept briefly
    (the organizer's and each alternative host's)."""
    block = studio_block(staff)
    for number in range(20):
        status, _body = submit(block, title=f"Office hours {number}")
        assert status == 200
    first = list(zoom.calls)
    assert len(first) == len(set(first)) and ("host@example.com", False) in first  # once each
    zoom.error = ZoomHostError("refused", reason=HOST_NOT_LICENSED)  # cached: still accepted
    assert submit(block, title="Again")[0] == 200
    zoom.others["other@example.com"] = ("basic", False)
    status, body = submit(block, host_email="other@example.com")  # another organizer: asked
    assert status == 400, body
    assert "Basic (free) Zoom user" in body["errors"]["host_email"]
    assert zoom.calls[len(first):] == [("other@example.com", False)]


@pytest.mark.parametrize("error", [ZoomUnavailable("timeout"), clients.NotConfigured("no")])
def test_the_session_is_saved_with_a_warning_when_zoom_cannot_answer(zoom, monkeypatch, staff,
                                                                     error):
    zoom.error = error
    if isinstance(error, clients.NotConfigured):
        def not_configured(**kwargs):
            raise error

        monkeypatch.setattr(clients, "get_client", not_configured)
    block = studio_block(staff)

    status, body = submit(block)

    assert status == 200
    assert body["result"] == "success"
    assert body["warnings"] == ["Could not verify the organizer in Zoom now; it will be checked "
                                "when the meeting is created."]
    assert block.host_email == "host@example.com"
    assert ZoomSession.objects.get().draft["host_email"] == "host@example.com"


def test_zoom_is_not_asked_when_it_is_not_configured(staff):
    status, body = submit(studio_block(staff))  # get_client fails the test if called
    assert status == 200
    assert body["warnings"] == []


# --- A valid save ---------------------------------------------------------------------------

def publish(block, capture):
    """Studio's Publish on the block's unit; the LMS's task applies it (Zoom's part stays
    queued: these tests never call Zoom)."""
    from tests.project import studio

    with mock.patch.object(intents, "queue_apply") as queued, capture(execute=True):
        studio.publish(studio.unit_of(block.scope_ids.usage_id))
    return queued


def test_a_valid_save_writes_the_fields_and_records_the_session(
        staff, week1, django_capture_on_commit_callbacks):
    block = studio_block(staff)

    status, body = submit(block, capacity="25", weight="2.5", zoom_emails=True,
                          prerequisite_usage_key=WEEK1, prerequisite_min_score="60",
                          auto_recording="cloud")

    assert status == 200
    assert body["result"] == "success"
    # Studio saved a draft: nothing for Zoom or learners until the unit is published.
    assert body["state"]["status"] == "draft"
    assert body["publication"]["published"] is False
    draft = ZoomSession.objects.get()
    assert (draft.never_published, draft.draft["title"]) == (True, "Office hours, week 1")
    queued = publish(block, django_capture_on_commit_callbacks)
    queued.assert_called_once_with(draft.id)
    assert body["state"]["kind_locked"] is False
    assert block.title == "Office hours, week 1"
    assert block.start_local == "2030-01-15T15:00"
    assert block.timezone == "Europe/Paris"
    assert block.alternative_hosts == ["co@example.com", "helper@example.com"]
    assert (block.capacity, block.weight, block.zoom_emails) == (25, 2.5, True)
    assert (block.prerequisite_usage_key, block.prerequisite_min_score) == (WEEK1, 60)
    session = ZoomSession.objects.get()
    assert session.usage_key == str(block.scope_ids.usage_id)
    assert session.course_key == COURSE
    assert session.status == ZoomSession.Status.CREATING
    assert session.start == datetime(2030, 1, 15, 14, 0, tzinfo=UTC)  # CET is UTC+1
    assert session.title == "Office hours, week 1"
    assert session.alternative_hosts == ["co@example.com", "helper@example.com"]
    assert session.capacity == 25
    assert session.completion_threshold_percent == 75
    assert session.auto_recording == "cloud"
    assert session.prerequisite == {"usage_key": WEEK1, "display_name": "Week 1: Foundations",
                                    "min_score": 60, "min_completion": 0}


def test_a_summer_start_uses_summer_time(staff):
    submit(studio_block(staff), start_date="2030-07-15")
    assert ZoomSession.objects.get().draft["start"] == "2030-07-15T13:00:00+00:00"  # CEST


def test_blank_capacity_weight_and_title_mean_unlimited_none_and_the_display_name(
        staff, django_capture_on_commit_callbacks):
    block = studio_block(staff)
    status, _body = submit(block, title="", capacity="", weight="")
    assert status == 200
    publish(block, django_capture_on_commit_callbacks)
    session = ZoomSession.objects.get()
    assert (session.capacity, session.weight, session.prerequisite) == (None, None, {})
    assert session.title == "Office hours"
    assert (block.capacity, block.weight, block.title) == (None, None, "")


def test_a_second_save_updates_the_same_session(staff, django_capture_on_commit_callbacks):
    block = studio_block(staff)
    submit(block)
    publish(block, django_capture_on_commit_callbacks)
    first = ZoomSession.objects.get()

    status, _body = submit(block, title="Office hours, moved")

    assert status == 200
    assert ZoomSession.objects.count() == 1
    assert ZoomSession.objects.get().title == "Office hours, week 1"  # a draft, until Publish
    publish(block, django_capture_on_commit_callbacks)
    session = ZoomSession.objects.get()
    assert session.id == first.id
    assert session.title == "Office hours, moved"
    assert session.desired_version == first.desired_version + 1
    assert block.title == "Office hours, moved"


def test_fields_left_out_keep_their_values(staff):
    block = studio_block(staff, title="Kept", start_local="2030-03-01T09:30",
                       timezone="America/New_York", host_email="host@example.com")
    status, _body = call_handler(block, "studio_submit", {"duration_minutes": "90"})
    assert status == 200
    assert (block.title, block.duration_minutes) == ("Kept", 90)
    assert ZoomSession.objects.get().draft["start"] == "2030-03-01T14:30:00+00:00"


# --- Meeting <-> webinar after creation ------------------------------------------------------

def test_the_type_cannot_change_once_zoom_has_the_meeting(staff):
    block = studio_block(staff)
    submit(block)
    ZoomSession.objects.update(zoom_id=81234567890, status=ZoomSession.Status.SCHEDULED)

    status, body = submit(block, kind="webinar")

    assert status == 400
    assert "Zoom cannot convert a meeting into a webinar" in body["errors"]["kind"]
    assert block.kind == "meeting"
    assert ZoomSession.objects.get().kind == "meeting"
    html = render(block, "studio_view")
    assert "disabled" in html.split('name="kind"')[1].split(">")[0]
    assert "Zoom cannot convert a meeting into a webinar" in html


def test_a_kind_change_refused_by_the_session_is_reported(staff, monkeypatch):
    def refuse(*args):
        raise sessions.KindChangeRefused("meeting")

    monkeypatch.setattr(sessions, "record_draft", refuse)
    block = studio_block(staff)
    before = snapshot(block)

    status, body = submit(block, kind="webinar")

    assert status == 400
    assert "Zoom cannot convert" in body["errors"]["kind"]
    assert snapshot(block) == before


# --- The editor's HTML ---------------------------------------------------------------------------

class _Controls(HTMLParser):
    """Collects form controls (id, name) and the ids labels point at."""

    def __init__(self):
        super().__init__()
        self.controls, self.labelled = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            self.controls.append((attrs.get("id"), attrs.get("name")))
        if tag == "label":
            self.labelled.add(attrs.get("for"))


def test_the_editor_has_a_labelled_control_for_every_field(staff, week1):
    html = render(studio_block(staff), "studio_view")
    parser = _Controls()
    parser.feed(html)
    names = {name for _id, name in parser.controls}
    assert names == {
        "display_name", "kind", "title", "agenda", "start_date", "start_time", "timezone",
        "duration_minutes", "host_email", "alternative_hosts", "capacity", "join_window_minutes",
        "prerequisite_usage_key", "prerequisite_min_score", "prerequisite_min_completion",
        "completion_threshold", "weight", "zoom_emails", "auto_recording", "drift_policy",
        "learner_email_registered", "learner_email_promoted", "learner_email_rescheduled",
        "learner_email_cancelled", "learner_email_reminder",
    }
    for control_id, name in parser.controls:
        assert control_id and control_id in parser.labelled, name
        assert f'id="{control_id}-error"' in html or name in ("start_date", "start_time")
    assert 'role="alert"' in html
    assert "Week 1: Foundations" in html
    assert "Personal meeting IDs (PMI) and recurring meetings are not supported" in html
    assert 'value="host@example.com"' not in html
    assert 'value="teacher@example.com"' in html  # the organizer defaults to the author


def test_a_new_block_takes_the_time_zone_from_the_browser(staff):
    assert 'data-zone-from-browser="true"' in render(studio_block(staff), "studio_view")
    html = render(studio_block(staff, timezone="Asia/Tokyo"), "studio_view")
    assert 'data-zone-from-browser' not in html
    assert '<option value="Asia/Tokyo" selected>' in html


def test_zoom_emails_default_to_the_operator_setting(settings, staff):
    settings.ZOOM_XBLOCK = {"ZOOM_EMAILS": True}
    html = render(studio_block(staff), "studio_view")
    assert 'name="zoom_emails" value="true" checked' in html


def test_the_editor_renders_in_spanish(staff):
    block = studio_block(staff, title="Horas de consulta")
    with override("es"):
        html = render(block, "studio_view")
    assert "Horas de consulta" in html
    assert 'name="start_date"' in html


# --- The author view: the session's state, and Retry --------------------------------------------

def _saved_block(staff, **session_fields):
    block = studio_block(staff)
    assert submit(block)[0] == 200
    ZoomSession.objects.update(**session_fields)
    return block


def test_the_author_view_shows_a_scheduled_meeting_and_its_registration_link(staff):
    block = _saved_block(staff, status=ZoomSession.Status.SCHEDULED, zoom_id=81234567890,
                         registration_url="https://zoom.example/meeting/register/abc")
    html = render(block, "author_view")
    assert "scheduled, meeting ID 81234567890" in html
    assert 'href="https://zoom.example/meeting/register/abc" target="_blank" rel="noopener"' in html
    assert "zoom-retry" not in html


def test_the_author_view_shows_a_deferred_session(staff):
    block = _saved_block(staff, status=ZoomSession.Status.DEFERRED,
                         deferred_until=datetime(2030, 1, 2, 0, 0, tzinfo=UTC))
    assert "after 2030-01-02 00:00 UTC" in render(block, "author_view")


def test_the_author_view_shows_a_failure_and_retry_asks_again(staff):
    block = _saved_block(staff, status=ZoomSession.Status.FAILED,
                         last_error="Zoom refused the host")
    html = render(block, "author_view")
    assert "Zoom refused the host" in html
    assert 'class="zoom-button zoom-retry"' in html

    status, body = call_handler(block, "retry_zoom", {})

    assert status == 200
    assert body["state"]["status"] == "creating"
    session = ZoomSession.objects.get()
    assert (session.status, session.last_error) == (ZoomSession.Status.CREATING, "")


def test_retry_of_a_session_that_did_not_fail_queues_its_apply(staff, monkeypatch):
    block = _saved_block(staff, status=ZoomSession.Status.CREATING)
    queued = []
    monkeypatch.setattr(intents, "queue_apply", queued.append)

    status, _body = call_handler(block, "retry_zoom", {})

    assert status == 200
    assert queued == [ZoomSession.objects.get().id]


def test_retry_before_any_save_says_so(staff):
    status, body = call_handler(studio_block(staff), "retry_zoom", {})
    assert status == 409
    assert "save it first" in body["error"]


def test_the_author_view_of_a_block_never_saved_says_so(staff):
    assert "not created yet" in render(studio_block(staff), "author_view")


def test_a_past_date_is_saved_with_a_word_on_what_happens(staff):
    block = studio_block(staff)
    status, body = submit(block, start_date="2026-01-05", start_time="10:00")
    assert status == 200
    assert body["warnings"] == [
        'This date is in the past. The session stays "Not started yet" until the organizer '
        "starts and ends it in Zoom; then it counts for attendance and completion (use this "
        "to account for a session that already took place)."]
    assert ZoomSession.objects.get().draft["start"].startswith("2026-01-05")  # a draft


def test_the_organizer_is_checked_in_the_courses_own_zoom_account(staff, monkeypatch, settings):
    from zoom_xblock.models import CourseZoomAccount

    settings.ZOOM_XBLOCK = {**SANDBOX_CREDENTIALS, "SYNC_DEBOUNCE_SECONDS": 0,
                            "ACCOUNTS": {"south": {"ACCOUNT_ID": "s", "CLIENT_ID": "c",
                                                   "CLIENT_SECRET": "x"}}}
    CourseZoomAccount.objects.create(course_key=COURSE, account="south")
    asked = []

    def client_for(account=None, **kwargs):
        asked.append(account)
        return FakeZoom(error=ZoomHostError("no", reason=HOST_NOT_IN_ACCOUNT)
                        if account == "south" else None)

    monkeypatch.setattr(clients, "get_client", client_for)
    block = studio_block(staff)
    before = snapshot(block)
    status, body = submit(block)
    assert status == 400 and "not in this organization's Zoom account" in body["errors"][
        "host_email"]
    assert set(asked) == {"south"} and snapshot(block) == before
    CourseZoomAccount.objects.all().delete()  # back to the site's default account
    asked.clear()
    assert submit(block)[0] == 200 and set(asked) == {"default"}
