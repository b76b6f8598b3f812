"""The real ZoomClient against the sandbox: what a user of the client notices.

Every test talks HTTP to a sandbox running in this process (a werkzeug server thread) and
reads the sandbox's own counters (``/_sandbox/stats``) to check what went over the wire.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from zoom_xblock.sandbox import start_sandbox
from zoom_xblock.zoom import (
    HOST_NO_WEBINAR_LICENCE,
    HOST_NOT_FOUND,
    MEETING,
    PLAN_BUSINESS,
    PLAN_PRO,
    QUOTA_HOST,
    QUOTA_REGISTRANT,
    REQUIRED_SCOPES,
    WEBINAR,
    Category,
    InProcessRateLimiter,
    ZoomAuthError,
    ZoomBatchUnavailable,
    ZoomHostError,
    ZoomNotFound,
    ZoomQuotaExceeded,
    ZoomScopeError,
    ZoomUnavailable,
    ZoomValidationError,
)
from zoom_xblock.zoom.errors import error_from_response

from .conftest import (
    CLIENT_SECRET,
    CLIENT_TIME_SCALE,
    Control,
    new_client,
    people,
    registration_meeting,
)

TOKEN = "POST /oauth/token"
GET_USER = "GET /users/{userId}"
CREATE_MEETING = "POST /users/{userId}/meetings"
BATCH = "POST /meetings/{id}/batch_registrants"
ADD_ONE = "POST /meetings/{id}/registrants"
LIST_REGISTRANTS = "GET /meetings/{id}/registrants"
REPORT = "GET /report/meetings/{id}/participants"


def next_utc_midnight() -> dt.datetime:
    today = dt.datetime.now(dt.UTC).date()
    return dt.datetime.combine(today + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)


# --- tokens and scopes ------------------------------------------------------------------------


def test_one_token_is_fetched_and_reused(client, control):
    for _ in range(25):
        assert client.get_user("host@example.com").email == "host@example.com"
    meeting = registration_meeting(client)
    client.get(MEETING, meeting["id"])
    assert control.calls(TOKEN) == 1
    assert client.tokens.fetch_count == 1
    assert control.calls(GET_USER) == 25


def test_a_token_expired_mid_run_is_renewed_once_and_the_call_succeeds(client, control):
    first = client.tokens.get().value
    client.get_user("host@example.com")
    assert control.post("/tokens/expire")["expired"] == 1
    user = client.get_user("host@example.com")  # 401 code 124, one renewal, one retry
    assert user.is_licensed
    assert client.tokens.get().value != first
    stats = control.stats()
    assert stats["calls"][TOKEN] == 2
    assert stats["calls"][GET_USER] == 3  # ok, refused with the old token, ok
    assert stats["statuses"]["401"] == 1
    for _ in range(5):
        client.get_user("host@example.com")
    assert control.calls(TOKEN) == 2


def test_a_wrong_secret_is_an_auth_error(client_sandbox, control):
    client = new_client(client_sandbox.url, secret="not-the-" + CLIENT_SECRET)
    with pytest.raises(ZoomAuthError) as caught:
        client.get_user("host@example.com")
    assert caught.value.status == 401
    assert caught.value.code == "invalid_client"
    assert "not-the-" not in str(caught.value)
    assert control.calls(TOKEN) == 1  # refused credentials are not retried
    assert control.calls(GET_USER) == 0


def test_missing_scopes_are_named():
    granted = ("user:read:user:admin", "meeting:read:meeting:admin")
    with start_sandbox(port=0, quiet=True, webhook_base="", scopes=granted) as narrow:
        client = new_client(narrow.url)
        assert client.get_user("host@example.com").email == "host@example.com"
        with pytest.raises(ZoomScopeError) as caught:
            client.create(MEETING, "host@example.com", {"topic": "no scope"})
        assert caught.value.missing_scopes == ["meeting:write:meeting:admin"]
        assert caught.value.code == 4711
        missing = client.missing_scopes()
    assert missing == [scope for scope in REQUIRED_SCOPES if scope not in granted]
    assert "meeting:write:meeting:admin" in missing


def test_all_scopes_granted_by_default(client):
    assert client.missing_scopes() == []


# --- errors from real sandbox answers -----------------------------------------------------------


def test_unknown_meeting_is_not_found(client):
    with pytest.raises(ZoomNotFound) as caught:
        client.get(MEETING, 12345678901)
    assert (caught.value.status, caught.value.code) == (404, 3001)
    with pytest.raises(ZoomNotFound):
        client.get(WEBINAR, 12345678901)


def test_unknown_user_is_a_host_error(client):
    with pytest.raises(ZoomHostError) as caught:
        client.get_user("nobody@example.com")
    assert caught.value.reason == HOST_NOT_FOUND
    with pytest.raises(ZoomHostError) as caught:
        client.create(MEETING, "nobody@example.com", {"topic": "orphan"})
    assert caught.value.reason == HOST_NOT_FOUND


def test_webinar_without_licence_is_a_host_error(client, control):
    assert client.get_user("nowebinar@example.com", check_webinar=True).has_webinar is False
    assert client.get_user("host@example.com", check_webinar=True).has_webinar is True
    with pytest.raises(ZoomHostError) as caught:
        client.create(WEBINAR, "nowebinar@example.com", {"topic": "no licence"})
    assert caught.value.reason == HOST_NO_WEBINAR_LICENCE
    assert control.get("/state")["webinars"] == []


def test_a_basic_host_is_seen_as_basic(client):
    basic = client.get_user("basic@example.com")
    assert (basic.licence, basic.is_licensed) == ("basic", False)
    assert client.get_user("host@example.com").is_licensed


def test_a_201_character_topic_is_a_validation_error_with_its_field(client, control):
    with pytest.raises(ZoomValidationError) as caught:
        client.create(MEETING, "host@example.com", {"topic": "x" * 201})
    error = caught.value
    assert (error.status, error.code) == (400, 300)
    assert [field.field for field in error.field_errors] == ["topic"]
    assert "200" in error.field_errors[0].message
    assert control.get("/state")["meetings"] == []
    assert client.create(MEETING, "host@example.com", {"topic": "x" * 200})["id"]


def test_batch_refused_for_a_recurring_meeting_falls_back_to_single_adds(client, control):
    meeting = registration_meeting(client, type=8)  # Zoom batches scheduled meetings only
    refusals: list[dict] = []
    client.on_response = lambda r: refusals.append(r.json()) if r.status_code == 400 else None
    results = client.add_registrants(MEETING, meeting["id"], people(5))
    assert [result.email for result in results] == [p["email"] for p in people(5)]
    assert all(result.ok and result.registrant_id and result.join_url for result in results)
    assert [refusal["code"] for refusal in refusals] == [303]  # ZoomBatchUnavailable
    stats = control.stats()
    assert stats["calls"][BATCH] == 1  # refused ...
    assert stats["calls"][ADD_ONE] == 5  # ... then one person at a time
    listed = {reg["email"] for reg in client.iter_registrants(MEETING, meeting["id"])}
    assert listed == {p["email"] for p in people(5)}


def test_a_batch_refusal_is_a_batch_unavailable_error(client):
    meeting = registration_meeting(client, type=8)
    token = client.tokens.get()
    answer = requests.post(
        f"{client.base_url()}/meetings/{meeting['id']}/batch_registrants",
        json={"auto_approve": True, "registrants": people(1)},
        headers={"Authorization": f"Bearer {token.value}"}, timeout=10)
    error = error_from_response(answer, "add_registrants_batch", time.time())
    assert isinstance(error, ZoomBatchUnavailable)
    assert error.code == 303


def test_host_quota_is_not_retried_and_comes_back_the_next_day(client, control):
    meetings = [client.create(MEETING, "host@example.com", {"topic": f"m{n}"})
                for n in range(60)]
    for meeting in meetings[:40]:
        client.update(MEETING, meeting["id"], {"topic": "renamed"})  # 100 create/update
    assert control.calls(CREATE_MEETING) == 60
    with pytest.raises(ZoomQuotaExceeded) as caught:
        client.create(MEETING, "host@example.com", {"topic": "one too many"})
    assert caught.value.quota == QUOTA_HOST
    assert caught.value.resets_at == next_utc_midnight()
    with pytest.raises(ZoomQuotaExceeded):
        client.update(MEETING, meetings[0]["id"], {"topic": "again"})
    stats = control.stats()
    assert stats["calls"][CREATE_MEETING] == 61  # the refused create was sent once
    assert stats["calls"]["PATCH /meetings/{id}"] == 41
    assert stats["throttled"] == {"Daily-limit:meeting-host": 2}
    # Another host, and webinars, have their own 100.
    client.create(MEETING, "host2@example.com", {"topic": "other host"})
    client.create(WEBINAR, "host@example.com", {"topic": "webinars count apart"})
    control.post("/clock/advance", {"days": 1})
    assert client.create(MEETING, "host@example.com", {"topic": "tomorrow"})["id"]
    assert control.calls(TOKEN) == 2  # the day-old token was renewed on the way


def test_registrant_quota_after_three_requests_for_one_person(client, control):
    meeting = registration_meeting(client)
    ada = {"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"}
    answers = [client.add_registrant(MEETING, meeting["id"], ada) for _ in range(3)]
    assert len({answer["registrant_id"] for answer in answers}) == 1  # the same person
    with pytest.raises(ZoomQuotaExceeded) as caught:
        client.add_registrant(MEETING, meeting["id"], ada)
    assert caught.value.quota == QUOTA_REGISTRANT
    assert caught.value.resets_at == next_utc_midnight()
    assert control.calls(ADD_ONE) == 4
    # Through the batch path the refusal is that person's outcome, the others get through.
    results = client.add_registrants(MEETING, meeting["id"], [*people(2), ada])
    assert [result.ok for result in results] == [True, True, False]
    assert isinstance(results[2].error, ZoomQuotaExceeded)
    assert results[2].error.quota == QUOTA_REGISTRANT


# --- pagination and batching ------------------------------------------------------------------


def test_650_registrants_are_listed_through_three_pages(client, control):
    meeting = registration_meeting(client)
    results = client.add_registrants(MEETING, meeting["id"], people(650))
    assert all(result.ok for result in results)
    assert control.calls(BATCH) == math.ceil(650 / 30)
    pages: list[tuple[str | None, str]] = []

    def remember(response: requests.Response) -> None:
        if "/registrants" in response.url and response.request.method == "GET":
            sent = parse_qs(urlsplit(response.url).query).get("next_page_token", [None])[0]
            pages.append((sent, response.json()["next_page_token"]))

    client.on_response = remember
    listed = list(client.iter_registrants(MEETING, meeting["id"]))
    assert len(listed) == 650
    assert [reg["email"] for reg in listed] == [p["email"] for p in people(650)]
    assert control.calls(LIST_REGISTRANTS) == 3
    assert len(pages) == 3
    assert pages[0][0] is None and pages[0][1]
    assert pages[1] == (pages[0][1], pages[1][1]) and pages[1][1]
    assert pages[2] == (pages[1][1], "")


def test_95_registrants_take_four_batch_calls_in_input_order(client, control):
    meeting = registration_meeting(client)
    people_in = people(95)
    results = client.add_registrants(MEETING, meeting["id"], people_in)
    assert control.calls(BATCH) == math.ceil(95 / 30) == 4
    assert control.calls(ADD_ONE) == 0
    assert [result.email for result in results] == [p["email"] for p in people_in]
    assert all(result.ok for result in results)
    assert len({result.join_url for result in results}) == 95
    assert len({result.registrant_id for result in results}) == 95
    by_email = {reg["email"]: reg for reg in client.iter_registrants(MEETING, meeting["id"])}
    assert {r.email: r.registrant_id for r in results} == {
        email: reg["id"] for email, reg in by_email.items()
    }


def test_the_sandbox_refuses_a_raw_batch_of_31(client, control):
    meeting = registration_meeting(client)
    token = client.tokens.get()
    answer = requests.post(
        f"{client.base_url()}/meetings/{meeting['id']}/batch_registrants",
        json={"auto_approve": True, "registrants": people(31)},
        headers={"Authorization": f"Bearer {token.value}"}, timeout=10)
    assert answer.status_code == 400
    assert answer.json()["code"] == 300
    assert answer.json()["errors"][0]["field"] == "registrants"
    assert list(client.iter_registrants(MEETING, meeting["id"])) == []


def test_webinar_batches_and_registrant_status(client, control):
    webinar = registration_meeting(client, WEBINAR)
    results = client.add_registrants(WEBINAR, webinar["id"], people(31))
    assert all(result.ok for result in results)
    assert control.calls("POST /webinars/{id}/batch_registrants") == 2
    cancelled = [{"id": results[0].registrant_id, "email": results[0].email}]
    client.set_registrant_status(WEBINAR, webinar["id"], "cancel", cancelled)
    approved = list(client.iter_registrants(WEBINAR, webinar["id"]))
    assert len(approved) == 30
    assert results[0].email not in {reg["email"] for reg in approved}


# --- meetings, webinars, panelists, reports ------------------------------------------------------


@pytest.mark.parametrize(("kind", "meeting_type"), [(MEETING, 2), (WEBINAR, 5)])
def test_create_get_update_delete(client, control, kind, meeting_type):
    created = client.create(kind, "host@example.com", {
        "topic": "Lifecycle", "start_time": "2030-03-01T09:00:00Z", "duration": 45,
        "timezone": "Europe/Paris", "settings": {"approval_type": 0}})
    assert created["type"] == meeting_type
    assert created["start_url"] and created["join_url"] and created["registration_url"]
    fetched = client.get(kind, created["id"])
    assert (fetched["topic"], fetched["duration"], fetched["timezone"]) == (
        "Lifecycle", 45, "Europe/Paris")
    client.update(kind, created["id"], {"topic": "Renamed", "duration": 90})
    fetched = client.get(kind, created["id"])
    assert (fetched["topic"], fetched["duration"]) == ("Renamed", 90)
    client.delete(kind, created["id"], notify=False)
    with pytest.raises(ZoomNotFound):
        client.get(kind, created["id"])
    with pytest.raises(ZoomNotFound):
        client.delete(kind, created["id"])
    plural = "webinars" if kind == WEBINAR else "meetings"
    assert control.calls(f"DELETE /{plural}/{{id}}") == 2


def test_panelists_add_list_remove(client):
    webinar = registration_meeting(client, WEBINAR)
    panel = [{"name": f"Panelist {n}", "email": f"panelist{n}@example.com"} for n in range(3)]
    assert len(client.add_panelists(webinar["id"], panel)) == 1
    listed = client.list_panelists(webinar["id"])
    assert sorted(p["email"] for p in listed) == sorted(p["email"] for p in panel)
    assert all(p["join_url"] for p in listed)
    removed = next(p for p in listed if p["email"] == "panelist1@example.com")
    client.remove_panelist(webinar["id"], removed["id"])
    assert sorted(p["email"] for p in client.list_panelists(webinar["id"])) == [
        "panelist0@example.com", "panelist2@example.com"]
    with pytest.raises(ZoomNotFound):
        client.remove_panelist(webinar["id"], removed["id"])


def _attend(control: Control, registrant_ids: list[str]) -> None:
    for registrant_id in registrant_ids:
        joined = control.post("/participants/join", {"registrant_id": registrant_id})
        assert joined["joined"]
    for registrant_id in registrant_ids:
        control.post("/participants/leave", {"registrant_id": registrant_id})


def test_participant_report_carries_registrant_ids(client, control):
    meeting = registration_meeting(client)
    results = client.add_registrants(MEETING, meeting["id"], people(3))
    attended = [results[0].registrant_id, results[2].registrant_id]
    _attend(control, attended)
    control.post("/participants/join",
                 {"meeting_id": meeting["id"], "name": "A Guest", "email": "guest@example.com"})
    control.post(f"/meetings/{meeting['id']}/end")
    report = list(client.iter_participants(MEETING, meeting["id"]))
    by_email = {row["user_email"]: row for row in report}
    assert set(by_email) == {results[0].email, results[2].email, "guest@example.com"}
    assert by_email[results[0].email]["registrant_id"] == results[0].registrant_id
    assert by_email[results[2].email]["registrant_id"] == results[2].registrant_id
    assert by_email["guest@example.com"]["registrant_id"] == ""
    assert control.calls(REPORT) == 1
    # The same instance by its UUID.
    by_uuid = list(client.iter_participants(MEETING, meeting["uuid"]))
    assert {row["user_email"] for row in by_uuid} == set(by_email)


def test_participant_report_for_a_uuid_starting_with_a_slash(client, control):
    meeting = registration_meeting(client)
    results = client.add_registrants(MEETING, meeting["id"], people(2))
    uuid = control.post(f"/meetings/{meeting['id']}/start")["uuid"]
    for _ in range(3000):  # each run of a meeting gets a new random UUID; 1 in 64 starts "/"
        if uuid.startswith("/"):
            break
        control.post(f"/meetings/{meeting['id']}/end")
        uuid = control.post(f"/meetings/{meeting['id']}/start")["uuid"]
    assert uuid.startswith("/")  # this run is going on: the attendees join it
    _attend(control, [result.registrant_id for result in results])
    control.post(f"/meetings/{meeting['id']}/end")
    seen: list[str] = []
    client.on_response = lambda response: seen.append(response.request.path_url)
    report = list(client.iter_participants(MEETING, uuid))
    assert {row["registrant_id"] for row in report} == {r.registrant_id for r in results}
    assert seen[0].startswith("/v2/report/meetings/%252F")  # encoded twice
    assert control.stats()["statuses"].get("404", 0) == 0


# --- rate limits ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def paced():
    """A sandbox at Zoom's real scale: Pro limits per real second (Heavy 10/s, Light 30/s).

    It serves from its own process, as Zoom does: a server sharing the clients' GIL stamps
    their calls late by however long the clients held it, which Zoom's clock never sees.
    A window of a real second keeps the client limiter's margin (3%, 30 ms) clear of the
    remaining scheduling jitter; each rate test takes about 2 s.
    """
    from tests.bench.core import sandbox_process

    with sandbox_process(time_scale=1, plan=PLAN_PRO) as url:
        yield SimpleNamespace(url=url)


@pytest.fixture
def paced_control(paced) -> Control:
    control = Control(paced.url)
    control.post("/reset")
    return control


class NoLimit:
    """A limiter that never waits: the client relies on Zoom's 429s alone."""

    def acquire(self, account_key, category, plan=None) -> float:
        return 0.0


def _batch_one_each(client, meeting_id, count, prefix="burst"):
    for person in people(count, prefix):
        [result] = client.add_registrants(MEETING, meeting_id, [person])
        assert result.ok, result.error


def test_bursts_over_the_plan_get_429s_that_are_retried_until_success(paced, paced_control):
    unpaced = new_client(paced.url, rate_limiter=NoLimit())
    meeting = registration_meeting(unpaced)
    _batch_one_each(unpaced, meeting["id"], 22)  # Heavy, as fast as one thread can
    stats = paced_control.stats()
    assert stats["throttled"].get("QPS:Heavy", 0) >= 2  # 10 a second get through
    assert stats["calls"][BATCH] == 22 + stats["throttled"]["QPS:Heavy"]
    assert stats["statuses"]["201"] == 22 + 1  # every batch, and the create
    assert len(list(unpaced.iter_registrants(MEETING, meeting["id"]))) == 22


def test_a_client_set_to_a_higher_plan_is_throttled_and_still_succeeds(paced, paced_control):
    # Business spacing (40 Heavy/s) against a Pro account: every few calls come back 429.
    optimistic = new_client(paced.url, plan=PLAN_BUSINESS, rate_scale=1)
    meeting = registration_meeting(optimistic)
    _batch_one_each(optimistic, meeting["id"], 15)
    stats = paced_control.stats()
    assert stats["throttled"].get("QPS:Heavy", 0) >= 1
    assert len(list(optimistic.iter_registrants(MEETING, meeting["id"]))) == 15


def test_the_clients_limiter_at_the_plan_keeps_the_sandbox_from_throttling(paced, paced_control):
    limiter = InProcessRateLimiter(plan=PLAN_PRO, rate_scale=1)
    clients = [new_client(paced.url, rate_limiter=limiter) for _ in range(3)]
    meeting = registration_meeting(clients[0])
    errors: list[BaseException] = []

    def work(client, prefix):
        try:
            _batch_one_each(client, meeting["id"], 7, prefix)
            for _ in range(20):
                client.get_user("host@example.com")
        except Exception as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(client, f"t{n}-"))
               for n, client in enumerate(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    elapsed = time.monotonic() - started
    assert errors == []
    stats = paced_control.stats()
    assert stats["throttled"] == {}
    assert stats["calls"][BATCH] == 21
    assert stats["peak_rate"]["Heavy"]["peak_per_second"] <= 10
    assert stats["peak_rate"]["Light"]["peak_per_second"] <= 30
    # 21 Heavy calls at 10 per second take at least 20 intervals (how close to that is a
    # benchmark figure).
    assert 20 * limiter.interval(Category.HEAVY) <= elapsed


# --- faults ---------------------------------------------------------------------------------


def test_a_30_percent_5xx_ratio_is_absorbed_by_retries():
    with start_sandbox(port=0, quiet=True, webhook_base="", time_scale=CLIENT_TIME_SCALE,
                       random_seed=5) as faulty:
        control = Control(faulty.url)
        # 6 attempts: at a 30% fault rate, 4 attempts (the default) still let 0.3**4 = 0.8%
        # of calls fail, which 60 calls would hit now and then.
        client = new_client(faulty.url, max_attempts=6, backoff_base=0.02)
        meeting = registration_meeting(client)
        control.post("/faults", {"error_ratio": 0.3})
        for _ in range(30):
            assert client.get_user("host@example.com").is_licensed
            assert client.get(MEETING, meeting["id"])["id"] == meeting["id"]
        stats = control.stats()
    faults = sum(stats["faults"].values())
    assert faults >= 6  # about 0.3 of ~85 calls
    assert stats["calls"][GET_USER] + stats["calls"]["GET /meetings/{id}"] == 60 + faults


def test_a_create_is_not_retried_after_a_500():
    """A POST that may have reached Zoom is not sent again (no duplicate meeting).

    Zoom may have applied a create it answers with any 5xx (a 503 too): none is retried.
    """
    with start_sandbox(port=0, quiet=True, webhook_base="", time_scale=CLIENT_TIME_SCALE) as faulty:
        control = Control(faulty.url)
        statuses: list[int] = []
        client = new_client(faulty.url, backoff_base=0.01,
                            on_response=lambda r: statuses.append(r.status_code))
        client.get_user("host@example.com")
        statuses.clear()
        control.post("/faults", {"error_ratio": 1})
        with pytest.raises(ZoomUnavailable) as caught:
            client.create(MEETING, "host@example.com", {"topic": "maybe"})
        calls = control.calls(CREATE_MEETING)
    assert caught.value.status == statuses[-1]
    assert calls == len(statuses) == 1


def test_latency_beyond_the_client_timeout_is_unavailable(client_sandbox, control):
    slow = new_client(client_sandbox.url, timeout=(1.0, 0.15), max_attempts=2, backoff_base=0.01)
    slow.get_user("host@example.com")
    control.post("/faults", {"latency_ms": 400})
    with pytest.raises(ZoomUnavailable) as caught:
        slow.get_user("host@example.com")
    assert caught.value.request_sent
    assert caught.value.operation == "get_user"
    assert control.calls(GET_USER) == 3  # one before, two attempts
    control.post("/faults", {"latency_ms": 0})
    assert slow.get_user("host@example.com").email == "host@example.com"
