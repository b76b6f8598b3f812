"""Registrants: single adds, batches, status changes, listing pages, capacity."""
from zoom_xblock.sandbox.records import APPROVED

from .conftest import bulk_register, create_meeting, people

ADA = {"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"}


def test_same_email_twice_is_the_same_registrant(zoom):
    meeting = create_meeting(zoom)
    first = zoom.post(f"/meetings/{meeting['id']}/registrants", json=ADA)
    assert first.status_code == 201
    body = first.json()
    assert set(body) >= {"id", "registrant_id", "join_url", "topic", "start_time"}
    assert body["id"] == meeting["id"]
    again = zoom.post(f"/meetings/{meeting['id']}/registrants",
                      json={**ADA, "email": "ADA@example.com"}).json()
    assert (again["registrant_id"], again["join_url"]) == (body["registrant_id"],
                                                           body["join_url"])


def test_personal_join_links_are_unique(zoom):
    meeting = create_meeting(zoom)
    links = {zoom.post(f"/meetings/{meeting['id']}/registrants", json=person).json()["join_url"]
             for person in people(20)}
    assert len(links) == 20
    assert all(f"/j/{meeting['id']}?tk=" in link for link in links)


def test_manual_approval_has_no_join_url_until_approved(zoom):
    meeting = create_meeting(zoom, settings={"approval_type": 1})
    added = zoom.post(f"/meetings/{meeting['id']}/registrants", json=ADA).json()
    assert "join_url" not in added
    pending = zoom.get(f"/meetings/{meeting['id']}/registrants",
                       params={"status": "pending"}).json()
    assert pending["total_records"] == 1
    answer = zoom.put(f"/meetings/{meeting['id']}/registrants/status",
                      json={"action": "approve",
                            "registrants": [{"id": added["registrant_id"]}]})
    assert answer.status_code == 204
    approved = zoom.get(f"/meetings/{meeting['id']}/registrants").json()
    assert approved["registrants"][0]["status"] == APPROVED
    assert approved["registrants"][0]["join_url"]


def test_cancel_removes_from_the_list_and_kills_the_link(zoom):
    meeting = create_meeting(zoom)
    added = zoom.post(f"/meetings/{meeting['id']}/registrants", json=ADA).json()
    answer = zoom.put(f"/meetings/{meeting['id']}/registrants/status",
                      json={"action": "cancel", "registrants": [{"email": ADA["email"]}]})
    assert answer.status_code == 204
    assert zoom.get(f"/meetings/{meeting['id']}/registrants").json()["total_records"] == 0
    assert zoom.get(added["join_url"]).status_code == 403
    back = zoom.post(f"/meetings/{meeting['id']}/registrants", json=ADA).json()
    assert back["registrant_id"] == added["registrant_id"]
    assert back["join_url"] != added["join_url"]


def test_status_validation(zoom):
    meeting = create_meeting(zoom)
    url = f"/meetings/{meeting['id']}/registrants/status"
    assert zoom.put(url, json={"action": "explode", "registrants": [{"id": "x"}]}
                    ).json()["code"] == 300
    assert zoom.put(url, json={"action": "deny", "registrants": [{"id": str(n)} for n in
                                                                 range(31)]}).json()["code"] == 300


def test_batch_of_30_is_accepted_and_31_refused(zoom):
    meeting = create_meeting(zoom)
    url = f"/meetings/{meeting['id']}/batch_registrants"
    accepted = zoom.post(url, json={"auto_approve": True, "registrants_confirmation_email": False,
                                    "registrants": people(30)})
    assert accepted.status_code == 201
    rows = accepted.json()["registrants"]
    assert len(rows) == 30
    assert set(rows[0]) == {"email", "join_url", "registrant_id"}
    refused = zoom.post(url, json={"auto_approve": True, "registrants": people(31, "other")})
    assert refused.status_code == 400
    assert refused.json()["code"] == 300 and refused.json()["errors"][0]["field"] == "registrants"


def test_a_basic_host_cannot_require_registration(zoom):
    """Issue 13 point 9: Zoom refuses registration to a Basic host (400 code 200), on create."""
    refused = zoom.post("/users/basic@example.com/meetings", json={
        "topic": "T", "type": 2, "start_time": "2030-01-01T10:00:00Z", "duration": 60,
        "settings": {"approval_type": 0}})
    assert refused.status_code == 400 and refused.json()["code"] == 200


def test_a_downgraded_host_refuses_every_registration_with_code_200(sandbox, zoom):
    """Batch and single adds alike: the meeting's reason, not the learners'."""
    meeting = create_meeting(zoom, host="host@example.com")
    sandbox.state.upsert_user({"email": "host@example.com", "type": 1})
    batch = zoom.post(f"/meetings/{meeting['id']}/batch_registrants",
                      json={"registrants": people(2)})
    single = zoom.post(f"/meetings/{meeting['id']}/registrants", json=ADA)
    assert (batch.status_code, batch.json()["code"]) == (400, 200)
    assert (single.status_code, single.json()["code"]) == (400, 200)


def test_batch_with_registration_off_says_so_and_303_for_other_types(zoom):
    open_meeting = create_meeting(zoom, settings={"approval_type": 2})
    off = zoom.post(f"/meetings/{open_meeting['id']}/batch_registrants",
                    json={"registrants": people(2)})
    assert off.status_code == 404
    assert "Registration has not been enabled" in off.json()["message"]
    recurring = create_meeting(zoom, type=8)
    assert zoom.post(f"/meetings/{recurring['id']}/batch_registrants",
                     json={"registrants": people(2)}).json()["code"] == 303


def test_webinar_batch_and_single_add(zoom):
    webinar = create_meeting(zoom, kind="webinars")
    batch = zoom.post(f"/webinars/{webinar['id']}/batch_registrants",
                      json={"auto_approve": True, "registrants": people(3)})
    assert batch.status_code == 201
    assert "/w/" in batch.json()["registrants"][0]["join_url"]
    assert zoom.post(f"/webinars/{webinar['id']}/registrants", json=ADA).status_code == 201
    assert zoom.get(f"/webinars/{webinar['id']}/registrants").json()["total_records"] == 4


def test_page_size_over_300_is_refused_not_clamped(zoom):
    meeting = create_meeting(zoom)
    refused = zoom.get(f"/meetings/{meeting['id']}/registrants", params={"page_size": 301})
    assert refused.status_code == 400 and refused.json()["code"] == 300


def test_listing_in_pages_of_300(sandbox, zoom):
    meeting = create_meeting(zoom)
    bulk_register(sandbox, meeting["id"], 650)
    seen, token, pages = [], "", 0
    while True:
        page = zoom.get(f"/meetings/{meeting['id']}/registrants",
                        params={"page_size": 300, "next_page_token": token}).json()
        assert page["page_size"] == 300 and page["total_records"] == 650
        seen += [row["email"] for row in page["registrants"]]
        pages += 1
        token = page["next_page_token"]
        if not token:
            break
    assert pages == 3 and len(set(seen)) == 650


def test_page_tokens_expire_after_15_minutes(sandbox, zoom):
    meeting = create_meeting(zoom)
    bulk_register(sandbox, meeting["id"], 5)
    url = f"/meetings/{meeting['id']}/registrants"
    token = zoom.get(url, params={"page_size": 2}).json()["next_page_token"]
    zoom.post("/_sandbox/clock/advance", json={"minutes": 16})
    expired = zoom.get(url, params={"page_size": 2, "next_page_token": token})
    assert expired.status_code == 400 and expired.json()["code"] == 300


def test_capacity_is_4999(sandbox, zoom):
    meeting = create_meeting(zoom)
    bulk_register(sandbox, meeting["id"], 4998)
    full_batch = zoom.post(f"/meetings/{meeting['id']}/batch_registrants",
                           json={"registrants": people(2, "late")})
    assert full_batch.json()["code"] == 3043
    assert zoom.post(f"/meetings/{meeting['id']}/registrants", json=ADA).status_code == 201
    refused = zoom.post(f"/meetings/{meeting['id']}/registrants",
                        json={**ADA, "email": "one.more@example.com"})
    assert refused.status_code == 400 and refused.json()["code"] == 3043
    # An existing registrant is still answered (same registrant, no new place taken).
    assert zoom.post(f"/meetings/{meeting['id']}/registrants", json=ADA).status_code == 201


def test_registration_needs_registration_enabled(zoom):
    meeting = create_meeting(zoom, settings={"approval_type": 2})
    answer = zoom.post(f"/meetings/{meeting['id']}/registrants", json=ADA)
    assert answer.status_code == 400 and answer.json()["code"] == 3000
