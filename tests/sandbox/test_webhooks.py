"""Join pages and the signed webhooks the sandbox sends back to the plugin."""
import re
import socket

import requests

from zoom_xblock.zoom.webhooks import verify_signature

from .conftest import ADA_PERSON, SECRET, create_meeting


def verified(request):
    headers = request["headers"]
    return verify_signature(SECRET, request["body"], headers.get("x-zm-signature"),
                            headers.get("x-zm-request-timestamp"))


def register(zoom, meeting, person=ADA_PERSON, kind="meetings"):
    return zoom.post(f"/{kind}/{meeting['id']}/registrants", json=person).json()


def test_join_page_joins_and_sends_a_signed_participant_joined(zoom, receiver):
    meeting = create_meeting(zoom)
    registrant = register(zoom, meeting)
    page = requests.get(registrant["join_url"], timeout=5)
    assert page.status_code == 200
    assert "Ada Lovelace (ada@example.com) joined 'Intro to Zoom' \u2014 meeting" in page.text
    assert '<button type="submit">Leave</button>' in page.text
    joined = receiver.wait_for("meeting.participant_joined")[0]
    assert joined["path"] == "/zoom/webhook/meeting"
    assert verified(joined)
    event = joined["json"]
    assert isinstance(event["event_ts"], int) and event["event_ts"] > 10**12
    assert event["payload"]["account_id"] == "sandbox-account"
    obj = event["payload"]["object"]
    assert obj["id"] == str(meeting["id"]) and obj["uuid"] == meeting["uuid"]
    assert obj["topic"] == "Intro to Zoom" and obj["host_id"] == meeting["host_id"]
    participant = obj["participant"]
    assert participant["registrant_id"] == registrant["registrant_id"]
    assert participant["email"] == "ada@example.com"
    assert participant["user_name"] == "Ada Lovelace"
    assert set(participant) >= {"user_id", "id", "participant_uuid", "join_time"}
    # Joining a meeting that was not running started it first (delivery order, like
    # Zoom's, is not guaranteed: several threads send).
    receiver.wait_for("meeting.started")

    participant_uuid = re.search(r'name="participant_uuid" value="([^"]+)"', page.text)[1]
    left_page = requests.post(f"{zoom.url}/j/{meeting['id']}/leave", timeout=5,
                              data={"participant_uuid": participant_uuid})
    assert "Ada Lovelace (ada@example.com) left" in left_page.text
    left = receiver.wait_for("meeting.participant_left")[0]
    assert verified(left)
    assert left["json"]["payload"]["object"]["participant"]["leave_time"]
    zoom.post("/_sandbox/webhooks/wait", json={"timeout": 5})  # the sender records the answer
    deliveries = zoom.get("/_sandbox/webhooks",
                          params={"event": "meeting.participant_left"}).json()["deliveries"]
    assert deliveries[0]["status"] == 200 and deliveries[0]["url"].endswith("/meeting")


def test_a_tampered_body_does_not_verify(zoom, receiver):
    meeting = create_meeting(zoom)
    zoom.post(f"/_sandbox/meetings/{meeting['id']}/start")
    started = receiver.wait_for("meeting.started")[0]
    assert verified(started)
    assert not verified({**started, "body": started["body"].replace(b"Intro", b"Outro")})


def test_host_start_url_starts_and_end_sends_ended(zoom, receiver):
    meeting = create_meeting(zoom)
    page = requests.get(meeting["start_url"], timeout=5)
    assert page.status_code == 200 and "Hedy Lamarr (host@example.com) started" in page.text
    receiver.wait_for("meeting.started")
    receiver.wait_for("meeting.participant_joined")  # the host is a participant too
    ended = zoom.post(f"/_sandbox/meetings/{meeting['id']}/end").json()
    assert ended["ended"] is True
    event = receiver.wait_for("meeting.ended")[0]["json"]
    assert event["payload"]["object"]["end_time"].endswith("Z")
    assert receiver.wait_for("meeting.participant_left")  # delivery order is not guaranteed
    assert requests.get(f"{zoom.url}/s/{meeting['id']}?zak=bad", timeout=5).status_code == 403


def test_control_start_end_and_participants(zoom, receiver):
    meeting = create_meeting(zoom)
    registrant = register(zoom, meeting)
    assert zoom.post(f"/_sandbox/meetings/{meeting['id']}/start").json()["started"]
    joined = zoom.post("/_sandbox/participants/join",
                       json={"registrant_id": registrant["registrant_id"]}).json()
    assert joined["joined"] and joined["registrant_id"] == registrant["registrant_id"]
    zoom.post("/_sandbox/clock/advance", json={"minutes": 45})
    left = zoom.post("/_sandbox/participants/leave",
                     json={"registrant_id": registrant["registrant_id"]}).json()
    assert left["leave_time"]
    zoom.post(f"/_sandbox/meetings/{meeting['id']}/end")
    names = [item["json"]["event"] for item in receiver.wait_for("meeting.ended")]
    assert names == ["meeting.ended"]
    deliveries = zoom.get("/_sandbox/webhooks").json()["deliveries"]  # in emission order
    order = [item["event"] for item in deliveries
             if item["event"] != "meeting.registration_created"]
    assert order == ["meeting.started", "meeting.participant_joined",
                     "meeting.participant_left", "meeting.ended"]


def test_drop_webhooks_loses_the_next_n(zoom, receiver, sandbox):
    meeting = create_meeting(zoom)
    zoom.post("/_sandbox/faults", json={"drop_webhooks": 1})
    zoom.post(f"/_sandbox/meetings/{meeting['id']}/start")
    zoom.post(f"/_sandbox/meetings/{meeting['id']}/end")
    receiver.wait_for("meeting.ended")
    assert receiver.events("meeting.started") == []
    deliveries = zoom.get("/_sandbox/webhooks").json()["deliveries"]
    assert [(d["event"], d["dropped"]) for d in deliveries] == [
        ("meeting.started", True), ("meeting.ended", False)]
    assert zoom.get("/_sandbox/stats").json()["webhooks"]["dropped"] == 1


def test_failed_webhooks_are_retried(zoom, receiver, sandbox):
    meeting = create_meeting(zoom)
    receiver.statuses = [500, 503]
    zoom.post(f"/_sandbox/meetings/{meeting['id']}/start")
    assert len(receiver.wait_for("meeting.started", count=3)) == 3
    sandbox.app.webhooks.wait_idle(5)
    delivery = zoom.get("/_sandbox/webhooks").json()["deliveries"][0]
    assert (delivery["attempts"], delivery["status"], delivery["ok"]) == (3, 200, True)


def test_zoom_side_update_delete_and_cancel(zoom, receiver):
    meeting = create_meeting(zoom)
    registrant = register(zoom, meeting)
    zoom.post(f"/_sandbox/meetings/{meeting['id']}/update",
              json={"topic": "Changed in Zoom", "operator": "someone@example.com"})
    updated = receiver.wait_for("meeting.updated")[0]["json"]["payload"]
    assert updated["operator"] == "someone@example.com"
    assert updated["object"] == {"id": meeting["id"], "uuid": meeting["uuid"],
                                 "topic": "Changed in Zoom"}
    assert updated["old_object"]["topic"] == "Intro to Zoom"
    zoom.post(f"/_sandbox/meetings/{meeting['id']}/registrants/cancel",
              json={"registrant_id": registrant["registrant_id"]})
    cancelled = receiver.wait_for("meeting.registration_cancelled")[0]["json"]["payload"]
    assert cancelled["object"]["registrant"]["id"] == registrant["registrant_id"]
    zoom.post(f"/_sandbox/meetings/{meeting['id']}/delete")
    deleted = receiver.wait_for("meeting.deleted")[0]["json"]["payload"]
    assert deleted["object"]["id"] == meeting["id"]
    assert zoom.get(f"/meetings/{meeting['id']}").json()["code"] == 3001


def test_recording_completed_and_webinar_routing(zoom, receiver):
    webinar = create_meeting(zoom, kind="webinars")
    registrant = register(zoom, webinar, kind="webinars")
    requests.get(registrant["join_url"], timeout=5)
    joined = receiver.wait_for("webinar.participant_joined")[0]
    assert joined["path"] == "/zoom/webhook/webinar"
    zoom.post(f"/_sandbox/meetings/{webinar['id']}/end")
    answer = zoom.post(f"/_sandbox/meetings/{webinar['id']}/recording",
                       json={"duration_minutes": 30})
    assert answer.status_code == 201
    recording = receiver.wait_for("recording.completed")[0]
    assert recording["path"] == "/zoom/webhook/webinar"
    event = recording["json"]
    assert event["download_token"]
    obj = event["payload"]["object"]
    assert obj["share_url"] and len(obj["recording_files"]) == 2
    download = obj["recording_files"][0]["download_url"]
    assert requests.get(download, timeout=5).status_code == 401
    fetched = requests.get(download, params={"access_token": event["download_token"]}, timeout=5)
    assert fetched.status_code == 200 and fetched.content


def test_api_changes_send_registration_and_update_webhooks(zoom, receiver):
    meeting = create_meeting(zoom, settings={"approval_type": 1})
    registrant = register(zoom, meeting)
    created = receiver.wait_for("meeting.registration_created")[0]["json"]
    assert created["payload"]["object"]["registrant"]["status"] == "pending"
    zoom.put(f"/meetings/{meeting['id']}/registrants/status",
             json={"action": "approve", "registrants": [{"id": registrant["registrant_id"]}]})
    receiver.wait_for("meeting.registration_approved")
    zoom.patch(f"/meetings/{meeting['id']}", json={"duration": 30})
    assert receiver.wait_for("meeting.updated")[0]["json"]["payload"]["old_object"][
        "duration"] == 60


def test_general_link_and_guest_join(zoom, receiver):
    meeting = create_meeting(zoom, settings={"approval_type": 2})
    form = requests.get(meeting["join_url"], timeout=5)
    assert form.status_code == 200 and 'name="email"' in form.text
    joined = requests.post(f"{zoom.url}/j/{meeting['id']}/join", timeout=5,
                           data={"name": "Guest Person", "email": "guest@example.com"})
    assert "Guest Person (guest@example.com) joined" in joined.text
    event = receiver.wait_for("meeting.participant_joined")[0]["json"]
    assert "registrant_id" not in event["payload"]["object"]["participant"]
    registered = create_meeting(zoom)
    assert requests.get(registered["join_url"], timeout=5).status_code == 403
    assert requests.get(f"{zoom.url}/j/{registered['id']}?tk=forged", timeout=5
                        ).status_code == 404


def test_an_unreachable_plugin_gets_retries_without_blocking_others():
    from zoom_xblock.sandbox.webhook_sender import WebhookSender

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    sender = WebhookSender(dead, SECRET, retries=2, retry_delay=0.05)
    try:
        for number in range(20):
            sender.send({"event": "meeting.started", "event_ts": number,
                         "payload": {"object": {}}})
        assert sender.wait_idle(3)
        deliveries = sender.deliveries()
        assert len(deliveries) == 20
        assert all(d["attempts"] == 3 and not d["ok"] and d["status"] is None
                   for d in deliveries)
    finally:
        sender.stop()
