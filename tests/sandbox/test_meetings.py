"""Users, meetings and webinars: create, get, patch, delete, licences, validation."""
import urllib.parse

from .conftest import create_meeting


def test_get_user_by_email_or_id_with_licence_type(zoom):
    host = zoom.get("/users/host@example.com").json()
    assert host["type"] == 2
    assert zoom.get(f"/users/{host['id']}").json()["email"] == "host@example.com"
    assert zoom.get("/users/basic@example.com").json()["type"] == 1
    settings = zoom.get("/users/nowebinar@example.com/settings").json()
    assert settings["feature"]["webinar"] is False
    assert zoom.get("/users/host@example.com/settings").json()["feature"]["webinar"] is True


def test_unknown_user_is_1001(zoom):
    answer = zoom.get("/users/nobody@example.com")
    assert answer.status_code == 404
    assert answer.json()["code"] == 1001
    assert zoom.post("/users/nobody@example.com/meetings", json={}).json()["code"] == 1001


def test_control_api_adds_users(zoom):
    created = zoom.post("/_sandbox/users", json={"email": "new@example.com", "first_name": "N",
                                                 "last_name": "U", "type": 1, "webinar": False})
    assert created.status_code == 201
    assert zoom.get("/users/new@example.com").json()["type"] == 1
    emails = [user["email"] for user in zoom.get("/_sandbox/users").json()["users"]]
    assert "new@example.com" in emails


def test_create_get_patch_delete_meeting(zoom):
    meeting = create_meeting(zoom, agenda="Welcome", start_time="2030-01-01T10:00:00",
                             timezone="Europe/Paris",
                             settings={"approval_type": 1, "alternative_hosts":
                                       "host2@example.com", "auto_recording": "cloud",
                                       "registrants_email_notification": False})
    assert isinstance(meeting["id"], int) and meeting["id"] > 2**32
    assert meeting["host_email"] == "host@example.com"
    assert meeting["start_time"] == "2030-01-01T09:00:00Z"
    assert meeting["registration_url"] and meeting["join_url"] and meeting["start_url"]
    assert meeting["settings"]["auto_recording"] == "cloud"
    fetched = zoom.get(f"/meetings/{meeting['id']}").json()
    assert fetched["uuid"] == meeting["uuid"]
    assert fetched["start_url"] != meeting["start_url"]  # a fresh one every time
    assert zoom.patch(f"/meetings/{meeting['id']}",
                      json={"topic": "Renamed", "duration": 90}).status_code == 204
    fetched = zoom.get(f"/meetings/{meeting['id']}").json()
    assert (fetched["topic"], fetched["duration"]) == ("Renamed", 90)
    assert zoom.delete(f"/meetings/{meeting['id']}").status_code == 204
    gone = zoom.get(f"/meetings/{meeting['id']}")
    assert gone.status_code == 404 and gone.json()["code"] == 3001


def test_webinar_lifecycle_and_panelists(zoom):
    webinar = create_meeting(zoom, kind="webinars")
    assert webinar["type"] == 5
    webinar_id = webinar["id"]
    assert zoom.get(f"/meetings/{webinar_id}").json()["code"] == 3001  # not a meeting
    added = zoom.post(f"/webinars/{webinar_id}/panelists",
                      json={"panelists": [{"name": "Pan One", "email": "pan@example.com"}]})
    assert added.status_code == 201 and added.json()["id"] == str(webinar_id)
    panelists = zoom.get(f"/webinars/{webinar_id}/panelists").json()
    assert panelists["total_records"] == 1
    panelist = panelists["panelists"][0]
    assert "/w/" in panelist["join_url"]
    assert zoom.delete(f"/webinars/{webinar_id}/panelists/{panelist['id']}").status_code == 204
    assert zoom.get(f"/webinars/{webinar_id}/panelists").json()["total_records"] == 0
    assert zoom.patch(f"/webinars/{webinar_id}", json={"agenda": "x"}).status_code == 204
    assert zoom.delete(f"/webinars/{webinar_id}").status_code == 204


def test_webinar_refused_without_webinar_licence(zoom):
    answer = zoom.post("/users/nowebinar@example.com/webinars", json={"topic": "W", "type": 5})
    assert answer.status_code == 400
    assert answer.json()["code"] == 200


def test_validation_errors_name_the_field(zoom):
    answer = zoom.post("/users/host@example.com/meetings", json={"topic": "x" * 201})
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == 300 and body["errors"][0]["field"] == "topic"
    assert zoom.post("/users/host@example.com/meetings",
                     json={"agenda": "x" * 2001}).json()["errors"][0]["field"] == "agenda"
    assert zoom.post("/users/host@example.com/meetings",
                     json={"type": 5}).json()["errors"][0]["field"] == "type"
    assert zoom.post("/users/host@example.com/meetings", data="{not json").json()["code"] == 300
    ok = zoom.post("/users/host@example.com/meetings", json={"topic": "x" * 200})
    assert ok.status_code == 201


def test_reports_accept_id_or_double_encoded_uuid(sandbox, zoom):
    meeting = create_meeting(zoom)
    awkward = "/ab//cd+ef=="  # Zoom UUIDs can start with / and hold //
    record = sandbox.state.get_meeting("meetings", meeting["id"])
    with sandbox.state.lock:
        record.uuid = awkward
        sandbox.state._meeting_by_uuid[awkward] = record.id
    registrant = zoom.post(f"/meetings/{meeting['id']}/registrants",
                           json={"email": "ada@example.com", "first_name": "Ada",
                                 "last_name": "Lovelace"}).json()
    zoom.post("/_sandbox/participants/join", json={"registrant_id": registrant["registrant_id"]})
    zoom.post("/_sandbox/clock/advance", json={"minutes": 30})
    zoom.post(f"/_sandbox/meetings/{meeting['id']}/end")
    by_id = zoom.get(f"/report/meetings/{meeting['id']}/participants",
                     params={"include_fields": "registrant_id"}).json()
    assert by_id["total_records"] == 1
    row = by_id["participants"][0]
    assert row["registrant_id"] == registrant["registrant_id"]
    assert row["user_email"] == "ada@example.com" and row["duration"] == 1800
    assert zoom.get("/_sandbox/state").json()["meetings"][0]["instances"] == [awkward]
    encoded = urllib.parse.quote(urllib.parse.quote(awkward, safe=""), safe="")
    by_uuid = zoom.get(f"/report/meetings/{encoded}/participants").json()
    assert by_uuid["total_records"] == 1 and "registrant_id" not in by_uuid["participants"][0]
    past = zoom.get(f"/past_meetings/{encoded}/participants").json()
    assert past["participants"][0]["registrant_id"] == registrant["registrant_id"]
    unknown = urllib.parse.quote(urllib.parse.quote("/zz//zz==", safe=""), safe="")
    assert zoom.get(f"/past_meetings/{unknown}/participants").json()["code"] == 3001


def test_meeting_ids_are_unique_across_kinds(zoom):
    ids = {create_meeting(zoom)["id"] for _ in range(5)}
    ids |= {create_meeting(zoom, kind="webinars")["id"] for _ in range(5)}
    assert len(ids) == 10


def test_alternative_hosts_must_be_licensed_users_of_the_account(zoom):
    body = {"topic": "T", "type": 2, "start_time": "2030-01-01T10:00:00Z", "duration": 60,
            "settings": {"approval_type": 0,
                         "alternative_hosts": "host2@example.com;nobody@example.com;"
                                              "basic@example.com"}}
    refused = zoom.post("/users/host@example.com/meetings", json=body)
    assert refused.status_code == 400 and refused.json()["code"] == 1114
    message = refused.json()["message"]
    assert "nobody@example.com" in message and "basic@example.com" in message
    assert "host2@example.com" not in message
    webinar = zoom.post("/users/host@example.com/webinars", json={
        **body, "type": 5, "settings": {"alternative_hosts": "nowebinar@example.com"}})
    assert webinar.status_code == 400 and "nowebinar@example.com" in webinar.json()["message"]
    meeting = create_meeting(zoom, settings={"approval_type": 0,
                                             "alternative_hosts": "host2@example.com"})
    patched = zoom.patch(f"/meetings/{meeting['id']}",
                         json={"settings": {"alternative_hosts": "basic@example.com"}})
    assert patched.status_code == 400 and patched.json()["code"] == 1114
    assert zoom.get(f"/meetings/{meeting['id']}").json()["settings"][
        "alternative_hosts"] == "host2@example.com"  # nothing changed half-way


def test_a_run_long_before_the_start_does_not_close_registration(zoom):
    person = {"email": "ada@example.com", "first_name": "Ada"}
    meeting = create_meeting(zoom, start_time="2030-01-01T10:00:00Z")  # a sound check now
    assert zoom.post(f"/_sandbox/meetings/{meeting['id']}/start").status_code == 200
    assert zoom.post(f"/_sandbox/meetings/{meeting['id']}/end").status_code == 200
    added = zoom.post(f"/meetings/{meeting['id']}/registrants", json=person)
    assert added.status_code == 201, added.text
    past = create_meeting(zoom, start_time="2020-01-01T10:00:00Z")  # a past date, run now
    zoom.post(f"/_sandbox/meetings/{past['id']}/start")
    zoom.post(f"/_sandbox/meetings/{past['id']}/end")
    over = zoom.post(f"/meetings/{past['id']}/registrants", json=person)
    assert over.status_code == 400 and over.json()["code"] == 3038
