"""One sandbox URL serving two Zoom accounts: own credentials, users, tokens, limits,
meetings and webhook secrets, as Zoom keeps its accounts apart."""
import json

import pytest
import requests

from zoom_xblock.sandbox.accounts import start_accounts_sandbox
from zoom_xblock.zoom.webhooks import verify_signature

from .conftest import Zoom, create_meeting, get_token, people

NORTH = {"account_id": "north", "client_id": "north-client", "client_secret": "north-secret",
         "webhook_secret": "north-hook"}
SOUTH = {"account_id": "south", "client_id": "south-client", "client_secret": "south-secret",
         "webhook_secret": "south-hook", "plan": "business",
         "seed_users": ({"email": "south-host@example.com", "type": 2, "webinar": True},)}


@pytest.fixture
def two(receiver):
    receiver.clear()
    handle = start_accounts_sandbox([NORTH, SOUTH], webhook_base=receiver.base, time_scale=2,
                                    webhook_retry_delay=0.02)
    yield handle
    handle.stop()


def zoom_for(url, account):
    session = Zoom.__new__(Zoom)
    requests.Session.__init__(session)
    session.url = url
    token = get_token(url, (account["client_id"], account["client_secret"]),
                      account["account_id"]).json()["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def test_each_account_has_its_own_credentials_users_and_tokens(two):
    assert get_token(two.url, ("south-client", "north-secret"), "south").status_code == 401
    assert get_token(two.url, ("north-client", "north-secret"), "south").status_code == 401
    north, south = zoom_for(two.url, NORTH), zoom_for(two.url, SOUTH)
    assert north.get("/users/host@example.com").status_code == 200
    assert south.get("/users/host@example.com").status_code == 404
    assert south.get("/users/south-host@example.com").json()["account_id"] == "south"
    meeting = create_meeting(south, host="south-host@example.com")
    assert south.get(f"/meetings/{meeting['id']}").status_code == 200
    assert north.get(f"/meetings/{meeting['id']}").status_code == 404
    assert meeting["id"] in two.account("south").state.meetings
    # A registrant's join page finds the meeting in its own account.
    added = south.post(f"/meetings/{meeting['id']}/registrants",
                       json={"email": "ada@example.com", "first_name": "Ada"}).json()
    assert requests.get(added["join_url"], timeout=5).status_code == 200


def test_rate_limits_are_counted_per_account_at_each_accounts_plan(two):
    north, south = zoom_for(two.url, NORTH), zoom_for(two.url, SOUTH)
    north_meeting = create_meeting(north)
    south_meeting = create_meeting(south, host="south-host@example.com")
    statuses = {"north": [], "south": []}
    for person in people(14):  # Heavy: Pro 10 and Business 40 per (scaled) second
        for name, zoom, meeting in (("north", north, north_meeting),
                                    ("south", south, south_meeting)):
            answer = zoom.post(f"/meetings/{meeting['id']}/batch_registrants",
                               json={"registrants": [person]})
            statuses[name].append(answer.status_code)
    assert 429 in statuses["north"] and set(statuses["south"]) == {201}
    assert two.account("north").stats.snapshot()["throttled"]
    assert not two.account("south").stats.snapshot()["throttled"]


def test_each_accounts_webhooks_are_signed_with_its_own_secret(two, receiver):
    south = zoom_for(two.url, SOUTH)
    meeting = create_meeting(south, host="south-host@example.com")
    south.patch(f"/meetings/{meeting['id']}", json={"topic": "Renamed"})
    (delivery,) = receiver.wait_for("meeting.updated")
    body = delivery["body"]
    assert json.loads(body)["payload"]["account_id"] == "south"
    stamp = delivery["headers"]["x-zm-request-timestamp"]
    signature = delivery["headers"]["x-zm-signature"]
    assert verify_signature("south-hook", body, signature, stamp)
    assert not verify_signature("north-hook", body, signature, stamp)


def test_reset_without_an_account_resets_them_all(two):
    south = zoom_for(two.url, SOUTH)
    create_meeting(south, host="south-host@example.com")
    requests.post(f"{two.url}/_sandbox/reset", timeout=5).raise_for_status()
    assert not two.account("south").state.meetings
    users = requests.get(f"{two.url}/_sandbox/users?account=south", timeout=5).json()["users"]
    assert [user["email"] for user in users] == ["south-host@example.com"]
