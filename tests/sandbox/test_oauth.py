"""Server-to-Server OAuth: tokens, wrong credentials, expiry and scopes."""
import requests

from zoom_xblock.sandbox.config import DEFAULT_SCOPES

from .conftest import Zoom, get_token


def test_token_is_issued_with_zoom_fields(sandbox):
    answer = get_token(sandbox.url)
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["api_url"] == sandbox.url
    assert body["scope"].split() == list(DEFAULT_SCOPES)
    assert len(body["access_token"]) > 20


def test_wrong_credentials_are_refused(sandbox):
    answer = get_token(sandbox.url, auth=("sandbox-client", "wrong"))
    assert answer.status_code == 401
    assert answer.json() == {"reason": "Invalid client_id or client_secret",
                             "error": "invalid_client"}
    missing = requests.post(f"{sandbox.url}/oauth/token", timeout=5,
                            data={"grant_type": "account_credentials"})
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_client"


def test_wrong_grant_or_account_is_refused(sandbox):
    grant = requests.post(f"{sandbox.url}/oauth/token", auth=("sandbox-client", "sandbox-secret"),
                          data={"grant_type": "client_credentials"}, timeout=5)
    assert grant.json()["error"] == "unsupported_grant_type"
    assert get_token(sandbox.url, account="other").status_code == 400


def test_no_or_bad_token_gives_124(sandbox):
    answer = requests.get(f"{sandbox.url}/v2/users/host@example.com", timeout=5,
                          headers={"Authorization": "Bearer nope"})
    assert answer.status_code == 401
    assert answer.json() == {"code": 124, "message": "Invalid access token."}


def test_expired_token_gives_124(zoom):
    assert zoom.get("/users/host@example.com").status_code == 200
    zoom.post("/_sandbox/faults", json={"expire_tokens": True})
    answer = zoom.get("/users/host@example.com")
    assert answer.status_code == 401
    assert answer.json()["code"] == 124


def test_token_expires_with_the_sandbox_clock(sandbox, zoom):
    zoom.post("/_sandbox/clock/advance", json={"seconds": 3599})
    assert zoom.get("/users/host@example.com").status_code == 200
    zoom.post("/_sandbox/clock/advance", json={"seconds": 2})
    assert zoom.get("/users/host@example.com").json()["code"] == 124
    assert Zoom(sandbox.url).get("/users/host@example.com").status_code == 200


def test_missing_scope_is_named(sandbox, zoom):
    sandbox.config.scopes = tuple(s for s in DEFAULT_SCOPES if s != "user:read:user:admin")
    try:
        answer = zoom.get("/users/host@example.com")
    finally:
        sandbox.config.scopes = DEFAULT_SCOPES
    assert answer.status_code == 400
    assert answer.json()["code"] == 4711
    assert "user:read:user:admin" in answer.json()["message"]
