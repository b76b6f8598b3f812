"""Issue 13 point 9: the sandbox fails the way Zoom fails, or the plugin's tests prove nothing."""
import pytest

from .conftest import create_meeting

ADA = {"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"}
WRITE_FAULTS = [500, 502, 503, 504]


def people(count, prefix="learner"):
    return [{"email": f"{prefix}{n}@example.com", "first_name": "L", "last_name": str(n)}
            for n in range(count)]


@pytest.mark.parametrize("status", WRITE_FAULTS)
def test_a_create_applied_then_answered_5xx_made_the_meeting(zoom, status):
    zoom.post("/_sandbox/faults", json={"applied_fail_next": 1, "applied_status": status})
    answer = zoom.post("/users/host@example.com/meetings", json={
        "topic": "applied", "type": 2, "start_time": "2030-01-01T10:00:00Z", "duration": 60})
    assert answer.status_code == status
    if status in (502, 504):  # the gateway's page, not Zoom's JSON
        assert answer.headers["Content-Type"].startswith("text/html")
    listed = zoom.get("/users/host@example.com/meetings").json()["meetings"]
    assert [meeting["topic"] for meeting in listed] == ["applied"]


def test_a_create_applied_then_held_past_the_timeout(zoom):
    import requests

    zoom.post("/_sandbox/faults", json={"applied_fail_next": 1, "applied_status": 1,
                                        "timeout_seconds": 1})
    with pytest.raises(requests.Timeout):
        zoom.post("/users/host@example.com/meetings", json={"topic": "held"}, timeout=0.3)
    listed = zoom.get("/users/host@example.com/meetings").json()["meetings"]
    assert [meeting["topic"] for meeting in listed] == ["held"]


@pytest.mark.parametrize("status", WRITE_FAULTS)
def test_a_batch_applied_then_5xx_registered_everyone_and_spent_their_budget(zoom, status):
    meeting = create_meeting(zoom)
    url = f"/meetings/{meeting['id']}/batch_registrants"
    for _ in range(3):
        zoom.post("/_sandbox/faults", json={"applied_fail_next": 1, "applied_status": status})
        assert zoom.post(url, json={"registrants": people(10)}).status_code == status
    listed = zoom.get(f"/meetings/{meeting['id']}/registrants").json()
    assert listed["total_records"] == 10
    fourth = zoom.post(url, json={"registrants": people(10)})
    assert fourth.status_code == 429  # 3 requests a day each, all spent


def test_every_write_can_fail_after_applying(zoom):
    meeting = create_meeting(zoom)
    zoom.post("/_sandbox/faults", json={"applied_fail_next": 2, "applied_status": 500})
    assert zoom.patch(f"/meetings/{meeting['id']}", json={"topic": "new"}).status_code == 500
    assert zoom.delete(f"/meetings/{meeting['id']}").status_code == 500
    assert zoom.get(f"/meetings/{meeting['id']}").status_code == 404  # deleted all the same


def test_random_faults_include_504_and_an_html_502(zoom):
    zoom.post("/_sandbox/faults", json={"error_ratio": 1})
    seen = {}
    for _ in range(80):
        answer = zoom.get("/users/host@example.com")
        seen[answer.status_code] = answer.headers.get("Content-Type", "")
    assert {500, 502, 503, 504} <= set(seen)
    assert seen[502].startswith("text/html")


@pytest.mark.parametrize("email", [
    "user@localhost", '"quoted"@example.com', "user@[127.0.0.1]", "user@bücher.example",
    "ü@example.com", "a" * 120 + "@example.com", "user@127.0.0.1"])
def test_addresses_zoom_refuses_are_refused(zoom, email):
    meeting = create_meeting(zoom)
    single = zoom.post(f"/meetings/{meeting['id']}/registrants", json={**ADA, "email": email})
    assert single.status_code == 400 and single.json()["code"] == 300


def test_a_batch_names_every_bad_entry_and_requires_first_name(zoom):
    meeting = create_meeting(zoom)
    batch = people(5)
    batch[1]["email"] = "user@localhost"
    del batch[3]["first_name"]
    refused = zoom.post(f"/meetings/{meeting['id']}/batch_registrants",
                        json={"registrants": batch})
    assert refused.status_code == 400
    assert [error["field"] for error in refused.json()["errors"]] == [
        "registrants[1].email", "registrants[3].first_name"]
    assert zoom.get(f"/meetings/{meeting['id']}/registrants").json()["total_records"] == 0


@pytest.mark.parametrize("fields", [
    {"duration": 0}, {"duration": 5000}, {"start_time": "2030-01-01T10:00:00+02:00"},
    {"start_time": "2030-01-01T10:00:00.000Z"}])
def test_durations_and_start_times_zoom_refuses(zoom, fields):
    answer = zoom.post("/users/host@example.com/meetings", json={"topic": "T", **fields})
    assert answer.status_code == 400 and answer.json()["code"] == 300


def test_a_user_of_another_account_is_1010_not_1001(sandbox, zoom):
    sandbox.state.upsert_user({"email": "elsewhere@example.com", "account_id": "other"})
    answer = zoom.get("/users/elsewhere@example.com")
    assert answer.json()["code"] == 1010
    assert zoom.get("/users/nobody@example.com").json()["code"] == 1001


def test_daily_limits_can_come_with_only_the_message(sandbox, zoom):
    sandbox.config.host_daily_quota = 1
    zoom.post("/_sandbox/faults", json={"bare_daily_limits": 1})
    zoom.post("/users/host@example.com/meetings", json={"topic": "one"})
    refused = zoom.post("/users/host@example.com/meetings", json={"topic": "two"})
    assert refused.status_code == 429 and "daily rate limit" in refused.json()["message"]
    assert "X-RateLimit-Type" not in refused.headers and "Retry-After" not in refused.headers


def test_webinar_alternative_hosts_are_comma_separated(zoom):
    zoom.post("/_sandbox/users", json={"email": "web@example.com", "type": 2, "webinar": True})
    commas, semicolons = "host@example.com,host2@example.com", "host@example.com;host2@example.com"
    ok = zoom.post("/users/web@example.com/webinars", json={
        "topic": "W", "type": 5, "settings": {"alternative_hosts": commas}})
    assert ok.status_code == 201
    refused = zoom.post("/users/web@example.com/webinars", json={
        "topic": "W", "type": 5, "settings": {"alternative_hosts": semicolons}})
    assert refused.status_code == 400


def test_listing_a_hosts_meetings_cuts_agendas_to_250(zoom):
    create_meeting(zoom, agenda="x" * 400)
    listed = zoom.get("/users/host@example.com/meetings", params={"type": "scheduled"}).json()
    assert len(listed["meetings"][0]["agenda"]) == 250
