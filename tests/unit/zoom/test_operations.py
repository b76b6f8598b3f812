"""Every client operation: paths, bodies, chunking, fallbacks, pagination, encodings."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from responses import matchers

from zoom_xblock.zoom import (
    REQUIRED_SCOPES,
    Category,
    ZoomCapacityFull,
    ZoomHostError,
    ZoomMeetingOver,
    ZoomQuotaExceeded,
    ZoomValidationError,
    encode_meeting_uuid,
    missing_scopes,
)

from .conftest import API, OAUTH_URL, api_calls, token_body


def body_of(call) -> dict:
    return json.loads(call.request.body)


def query_of(call) -> dict:
    return {key: values[0] for key, values in parse_qs(urlsplit(call.request.url).query).items()}


def people(count: int) -> list[dict]:
    return [
        {"email": f"learner{i}@example.com", "first_name": f"L{i}", "last_name": "X"}
        for i in range(count)
    ]


def batch_answer(request):
    registrants = [
        {
            "email": person["email"],
            "registrant_id": f"r-{person['email']}",
            "join_url": f"https://zoom.us/w/1?tk={person['email']}",
        }
        for person in json.loads(request.body)["registrants"]
    ]
    return 201, {}, json.dumps({"registrants": registrants})


def single_answer(request):
    person = json.loads(request.body)
    answer = {
        "id": 85746065,
        "registrant_id": f"s-{person['email']}",
        "join_url": f"https://zoom.us/w/1?tk=s-{person['email']}",
    }
    return 201, {}, json.dumps(answer)


# --- users ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("zoom_type", "licence"), [(1, "basic"), (2, "licensed"), (99, "basic")])
def test_get_user_maps_the_licence_type(client, mocked, zoom_type, licence):
    mocked.add(
        responses.GET,
        f"{API}/users/host@example.com",
        json={"id": "u1", "email": "host@example.com", "type": zoom_type},
    )
    user = client.get_user("host@example.com")
    assert (user.id, user.email, user.licence, user.has_webinar) == (
        "u1",
        "host@example.com",
        licence,
        None,
    )
    assert user.is_licensed is (licence == "licensed")
    assert client.rate_limiter.acquired[-1][1] is Category.LIGHT


def test_get_user_reads_a_webinar_feature_when_the_payload_shows_it(client, mocked):
    mocked.add(
        responses.GET,
        f"{API}/users/u1",
        json={"id": "u1", "email": "h@example.com", "type": 2, "feature": {"webinar": True}},
    )
    assert client.get_user("u1").has_webinar is True


def test_get_user_checks_webinar_in_settings_on_request(client, mocked):
    mocked.add(
        responses.GET,
        f"{API}/users/host@example.com",
        json={"id": "u1", "email": "host@example.com", "type": 2},
    )
    mocked.add(
        responses.GET,
        f"{API}/users/u1/settings",
        json={"feature": {"webinar": False, "meeting_capacity": 100}},
    )
    user = client.get_user("host@example.com", check_webinar=True)
    assert user.has_webinar is False


def test_get_user_for_an_unknown_host_raises_host_error(client, mocked):
    mocked.add(
        responses.GET,
        f"{API}/users/nobody@example.com",
        status=404,
        json={"code": 1001, "message": "User does not exist: nobody@example.com."},
    )
    with pytest.raises(ZoomHostError) as caught:
        client.get_user("nobody@example.com")
    assert caught.value.reason == "user_not_found"


# --- meetings and webinars ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "plural", "zoom_type"), [("meeting", "meetings", 2), ("webinar", "webinars", 5)]
)
def test_create_posts_under_the_host_with_the_scheduled_type(
    client, mocked, kind, plural, zoom_type
):
    mocked.add(
        responses.POST,
        f"{API}/users/host@example.com/{plural}",
        status=201,
        json={"id": 85746065, "uuid": "abc==", "join_url": "https://zoom.us/j/1"},
    )
    answer = client.create(kind, "host@example.com", {"topic": "Office hours", "duration": 60})
    assert answer["id"] == 85746065
    assert body_of(api_calls(mocked)[0]) == {
        "type": zoom_type,
        "topic": "Office hours",
        "duration": 60,
    }
    spec_label = Category.MEDIUM if kind == "meeting" else Category.LIGHT  # Zoom's spec
    assert client.rate_limiter.acquired[-1][1] is spec_label


def test_create_keeps_an_explicit_type(client, mocked):
    mocked.add(responses.POST, f"{API}/users/h/meetings", status=201, json={"id": 1})
    client.create("meeting", "h", {"type": 8})
    assert body_of(api_calls(mocked)[0])["type"] == 8


def test_get_update_delete(client, mocked):
    mocked.add(responses.GET, f"{API}/webinars/9", json={"id": 9})
    mocked.add(responses.PATCH, f"{API}/webinars/9", status=204)
    mocked.add(responses.DELETE, f"{API}/webinars/9", status=204)
    mocked.add(responses.DELETE, f"{API}/meetings/8", status=204)
    assert client.get("webinar", 9) == {"id": 9}
    assert client.update("webinar", 9, {"topic": "T"}) is None
    client.delete("webinar", 9)
    client.delete("meeting", 8, notify=False)
    calls = api_calls(mocked)
    assert body_of(calls[1]) == {"topic": "T"}
    assert query_of(calls[2]) == {"cancel_webinar_reminder": "true"}
    assert query_of(calls[3]) == {"cancel_meeting_reminder": "false"}
    categories = [entry[1] for entry in client.rate_limiter.acquired]
    # Zoom's spec labels PATCH Light
    assert categories == [Category.LIGHT, Category.LIGHT, Category.LIGHT, Category.LIGHT]


def test_unknown_kind_is_refused(client):
    with pytest.raises(ValueError):
        client.get("event", 1)


# --- registrants ----------------------------------------------------------------------------


def test_add_one_registrant(client, mocked):
    mocked.add(
        responses.POST,
        f"{API}/meetings/5/registrants",
        status=201,
        json={"id": 5, "registrant_id": "r1", "join_url": "https://zoom.us/w/5?tk=x"},
    )
    answer = client.add_registrant("meeting", 5, {"email": "a@example.com", "first_name": "A"})
    assert answer["registrant_id"] == "r1"
    assert client.rate_limiter.acquired[-1][1] is Category.LIGHT


def test_batch_registrants_in_chunks_of_thirty(client, mocked):
    mocked.add_callback(
        responses.POST, f"{API}/meetings/5/batch_registrants", callback=batch_answer
    )
    learners = people(65)
    results = client.add_registrants("meeting", 5, learners, auto_approve=True, send_email=False)
    calls = api_calls(mocked)
    assert [len(body_of(call)["registrants"]) for call in calls] == [30, 30, 5]
    assert body_of(calls[0])["auto_approve"] is True
    assert body_of(calls[0])["registrants_confirmation_email"] is False
    assert [result.email for result in results] == [p["email"] for p in learners]
    assert all(result.ok for result in results)
    assert results[64].registrant_id == "r-learner64@example.com"
    assert results[64].join_url.endswith("tk=learner64@example.com")
    assert {entry[1] for entry in client.rate_limiter.acquired} == {Category.HEAVY}


def test_webinar_batch_body_follows_the_webinar_schema(client, mocked):
    mocked.add_callback(
        responses.POST, f"{API}/webinars/7/batch_registrants", callback=batch_answer
    )
    client.add_registrants("webinar", 7, people(2), auto_approve=False)
    assert body_of(api_calls(mocked)[0]).keys() == {"auto_approve", "registrants"}


def test_batch_refused_with_303_falls_back_to_single_adds_for_that_chunk(client, mocked):
    batch_url = f"{API}/meetings/5/batch_registrants"
    # responses answers in registration order: the first chunk's batch works, the next is 303.
    mocked.add_callback(responses.POST, batch_url, callback=batch_answer)
    mocked.add(
        responses.POST,
        batch_url,
        status=400,
        json={"code": 303, "message": "This API is only available for scheduled meetings."},
    )
    mocked.add_callback(responses.POST, f"{API}/meetings/5/registrants", callback=single_answer)
    learners = people(33)
    results = client.add_registrants("meeting", 5, learners)
    singles = [c for c in api_calls(mocked) if c.request.url.endswith("/registrants")]
    assert len(singles) == 3
    assert body_of(singles[0])["auto_approve"] is True
    assert [r.registrant_id for r in results] == (
        [f"r-{p['email']}" for p in learners[:30]] + [f"s-{p['email']}" for p in learners[30:]]
    )


def test_batch_refused_with_a_message_about_batches_falls_back(client, mocked):
    mocked.add(
        responses.POST,
        f"{API}/webinars/7/batch_registrants",
        status=400,
        json={"code": 3000, "message": "Batch registration is not available for this webinar."},
    )
    mocked.add_callback(responses.POST, f"{API}/webinars/7/registrants", callback=single_answer)
    results = client.add_registrants("webinar", 7, people(2))
    assert all(result.ok for result in results)
    assert "auto_approve" not in body_of(api_calls(mocked)[1])  # not in the webinar schema


def test_single_add_errors_are_per_person(client, mocked):
    mocked.add(
        responses.POST,
        f"{API}/meetings/5/batch_registrants",
        status=400,
        json={"code": 303, "message": "Only available for scheduled meetings."},
    )
    url = f"{API}/meetings/5/registrants"
    mocked.add(responses.POST, url, status=201, json={"registrant_id": "a", "join_url": "u"})
    mocked.add(
        responses.POST,
        url,
        status=400,
        json={
            "code": 300,
            "message": "Validation Failed.",
            "errors": [{"field": "email", "message": "Invalid email."}],
        },
    )
    mocked.add(
        responses.POST,
        url,
        status=429,
        json={
            "code": 429,
            "message": "You have exceeded the daily rate limit (3) of Add Meeting "
            "Registrant API requests for this registrant.",
        },
        headers={"X-RateLimit-Type": "Daily-limit"},
    )
    mocked.add(responses.POST, url, status=201, json={"registrant_id": "d", "join_url": "u"})
    results = client.add_registrants("meeting", 5, people(4))
    assert [r.ok for r in results] == [True, False, False, True]
    assert isinstance(results[1].error, ZoomValidationError)
    assert isinstance(results[2].error, ZoomQuotaExceeded)


def test_an_error_about_the_whole_meeting_ends_the_run_but_keeps_earlier_results(client, mocked):
    batch_url = f"{API}/meetings/5/batch_registrants"
    mocked.add_callback(responses.POST, batch_url, callback=batch_answer)
    results_first = client.add_registrants("meeting", 5, people(30))
    assert all(r.ok for r in results_first)
    mocked.replace(
        responses.POST,
        batch_url,
        status=400,
        json={"code": 3038, "message": "Meeting is over, you can not register now."},
    )
    results = client.add_registrants("meeting", 5, people(40))
    assert len(results) == 40
    assert all(isinstance(r.error, ZoomMeetingOver) for r in results)


def test_capacity_full_in_single_adds_is_recorded_for_everyone_left(client, mocked):
    mocked.add(
        responses.POST,
        f"{API}/meetings/5/batch_registrants",
        status=400,
        json={"code": 303, "message": "Only available for scheduled meetings."},
    )
    url = f"{API}/meetings/5/registrants"
    mocked.add(responses.POST, url, status=201, json={"registrant_id": "a", "join_url": "u"})
    mocked.add(
        responses.POST,
        url,
        status=400,
        json={"code": 3043, "message": "Meeting has reached maximum attendee capacity."},
    )
    results = client.add_registrants("meeting", 5, people(3))
    assert results[0].ok
    assert [type(r.error) for r in results[1:]] == [ZoomCapacityFull, ZoomCapacityFull]


def test_registrant_missing_from_the_batch_answer_gets_an_error(client, mocked):
    mocked.add(
        responses.POST,
        f"{API}/meetings/5/batch_registrants",
        status=201,
        json={
            "registrants": [
                {"email": "LEARNER0@example.com", "registrant_id": "r0", "join_url": "u"}
            ]
        },
    )
    results = client.add_registrants("meeting", 5, people(2))
    assert results[0].ok and results[0].registrant_id == "r0"  # e-mail matched case-blind
    assert not results[1].ok


def test_registrant_status_in_chunks_of_thirty(client, mocked):
    mocked.add(responses.PUT, f"{API}/meetings/5/registrants/status", status=204)
    registrants = [{"id": f"r{i}", "email": f"l{i}@example.com", "extra": 1} for i in range(61)]
    client.set_registrant_status("meeting", 5, "cancel", registrants)
    bodies = [body_of(call) for call in api_calls(mocked)]
    assert [len(body["registrants"]) for body in bodies] == [30, 30, 1]
    assert {body["action"] for body in bodies} == {"cancel"}
    assert bodies[0]["registrants"][0] == {"id": "r0", "email": "l0@example.com"}
    assert {entry[1] for entry in client.rate_limiter.acquired} == {Category.MEDIUM}


def test_registrant_status_refuses_an_unknown_action(client):
    with pytest.raises(ValueError):
        client.set_registrant_status("meeting", 5, "delete", [{"id": "r"}])


def test_list_registrants_follows_every_page(client, mocked):
    url = f"{API}/webinars/7/registrants"
    mocked.add(
        responses.GET,
        url,
        match=[matchers.query_param_matcher({"status": "approved", "page_size": "300"})],
        json={"registrants": [{"id": "a"}, {"id": "b"}], "next_page_token": "t1"},
    )
    mocked.add(
        responses.GET,
        url,
        match=[
            matchers.query_param_matcher(
                {"status": "approved", "page_size": "300", "next_page_token": "t1"}
            )
        ],
        json={"registrants": [{"id": "c"}], "next_page_token": "t2"},
    )
    mocked.add(
        responses.GET,
        url,
        match=[
            matchers.query_param_matcher(
                {"status": "approved", "page_size": "300", "next_page_token": "t2"}
            )
        ],
        json={"registrants": [{"id": "d"}], "next_page_token": ""},
    )
    assert [r["id"] for r in client.iter_registrants("webinar", 7)] == ["a", "b", "c", "d"]
    assert len(api_calls(mocked)) == 3


def test_pagination_stops_on_a_repeated_token(client, mocked):
    mocked.add(
        responses.GET,
        f"{API}/meetings/5/registrants",
        json={"registrants": [{"id": "a"}], "next_page_token": "same"},
    )
    assert len(list(client.iter_registrants("meeting", 5, status="pending"))) == 2
    assert query_of(api_calls(mocked)[0])["status"] == "pending"


# --- panelists ------------------------------------------------------------------------------


def test_panelists_add_in_chunks_remove_and_list(client, mocked):
    url = f"{API}/webinars/7/panelists"
    mocked.add(responses.POST, url, status=201, json={"id": "7", "updated_at": "x"})
    mocked.add(responses.DELETE, f"{API}/webinars/7/panelists/p1", status=204)
    mocked.add(responses.GET, url, json={"total_records": 1, "panelists": [{"id": "p1"}]})
    panelists = [{"name": f"P{i}", "email": f"p{i}@example.com"} for i in range(31)]
    assert len(client.add_panelists(7, panelists)) == 2
    client.remove_panelist(7, "p1")
    assert client.list_panelists(7) == [{"id": "p1"}]
    calls = api_calls(mocked)
    assert [len(body_of(c)["panelists"]) for c in calls[:2]] == [30, 1]
    categories = [entry[1] for entry in client.rate_limiter.acquired]
    assert categories == [Category.MEDIUM, Category.MEDIUM, Category.LIGHT, Category.MEDIUM]


# --- reports --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "segment"),
    [
        (85746065, "85746065"),
        ("4444AAAiAAAAAiAiAiiAii==", "4444AAAiAAAAAiAiAiiAii%3D%3D"),
        ("/ajXp112QmuoKj4854875==", "%252FajXp112QmuoKj4854875%253D%253D"),
        ("ab//cd==", "ab%252F%252Fcd%253D%253D"),
        ("ab/cd", "ab%2Fcd"),
    ],
)
def test_meeting_uuid_encoding(value, segment):
    assert encode_meeting_uuid(value) == segment


def test_participants_report_pages_and_double_encodes(client, mocked):
    url = f"{API}/report/meetings/%252FajXp112Qmuo%253D%253D/participants"
    mocked.add(
        responses.GET,
        url,
        match=[
            matchers.query_param_matcher({"page_size": "300", "include_fields": "registrant_id"})
        ],
        json={"participants": [{"id": "p1", "registrant_id": "r1"}], "next_page_token": "n"},
    )
    mocked.add(
        responses.GET,
        url,
        match=[
            matchers.query_param_matcher(
                {"page_size": "300", "include_fields": "registrant_id", "next_page_token": "n"}
            )
        ],
        json={"participants": [{"id": "p2"}], "next_page_token": ""},
    )
    participants = list(client.iter_participants("meeting", "/ajXp112Qmuo=="))
    assert [p["id"] for p in participants] == ["p1", "p2"]
    assert api_calls(mocked)[0].request.path_url.startswith(
        "/v2/report/meetings/%252FajXp112Qmuo%253D%253D/participants?"
    )
    assert {entry[1] for entry in client.rate_limiter.acquired} == {Category.HEAVY}


# --- scopes ---------------------------------------------------------------------------------


def test_granted_and_missing_scopes(make_client, mocked):
    granted = (
        " ".join(REQUIRED_SCOPES[:-2]) + " " + REQUIRED_SCOPES[-1].replace(":admin", ":master")
    )
    mocked.add(responses.POST, OAUTH_URL, json=token_body(scope=granted))
    client = make_client()
    assert REQUIRED_SCOPES[0] in client.granted_scopes()
    assert client.missing_scopes() == [REQUIRED_SCOPES[-2]]


def test_missing_scopes_helper():
    assert missing_scopes([]) == list(REQUIRED_SCOPES)
    assert missing_scopes(REQUIRED_SCOPES) == []
    assert missing_scopes(["a"], required=["a", "b"]) == ["b"]
    assert len(REQUIRED_SCOPES) == 45
