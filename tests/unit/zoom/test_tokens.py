"""Server-to-Server OAuth: the token request, the shared cache, renewal and single flight."""

import base64
from urllib.parse import parse_qs

import pytest
import responses

from zoom_xblock.zoom import InMemoryTokenCache, ZoomAuthError, ZoomUnavailable

from .conftest import (
    ACCESS_TOKEN,
    ACCOUNT_ID,
    API,
    CLIENT_ID,
    CLIENT_SECRET,
    OAUTH_URL,
    api_calls,
    token_body,
)

USER_URL = f"{API}/users/host@example.com"
USER = {"id": "u1", "email": "host@example.com", "type": 2}


def token_calls(mocked):
    return [call for call in mocked.calls if call.request.url.startswith(OAUTH_URL)]


def test_token_request_is_a_form_post_with_basic_auth(client, mocked):
    mocked.add(responses.GET, USER_URL, json=USER)
    client.get_user("host@example.com")

    (call,) = token_calls(mocked)
    request = call.request
    assert request.method == "POST"
    assert request.url == OAUTH_URL  # nothing in the query string
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.body) == {
        "grant_type": ["account_credentials"],
        "account_id": [ACCOUNT_ID],
    }
    expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected}"
    assert api_calls(mocked)[0].request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"


def test_base_url_comes_from_the_token_api_url(make_client, mocked):
    mocked.add(responses.POST, OAUTH_URL, json=token_body(api_url="https://eu01api.zoom.example"))
    mocked.add(responses.GET, "https://eu01api.zoom.example/v2/users/u1", json=USER)
    client = make_client(api_base_url=None)
    assert client.get_user("u1").id == "u1"
    assert client.base_url() == "https://eu01api.zoom.example/v2"


def test_explicit_base_url_wins_over_api_url(make_client, mocked):
    mocked.add(responses.POST, OAUTH_URL, json=token_body(api_url="https://eu01api.zoom.example"))
    mocked.add(responses.GET, f"{API}/users/u1", json=USER)
    assert make_client().get_user("u1").id == "u1"


def test_default_base_url_without_api_url(make_client, token_endpoint):
    assert make_client(api_base_url=None).base_url() == "https://api.zoom.us/v2"


def test_two_clients_sharing_a_cache_fetch_one_token_for_a_thousand_calls(
    make_client, token_endpoint, mocked, clock
):
    mocked.add(responses.GET, f"{API}/users/u1", json=USER)
    shared = InMemoryTokenCache(clock)
    first, second = make_client(token_cache=shared), make_client(token_cache=shared)
    for index in range(1000):
        (first if index % 2 else second).get_user("u1")
        clock.now += 1  # 1,000 s: well inside the token's hour
    assert token_endpoint.call_count == 1
    assert len(api_calls(mocked)) == 1000


def test_cache_key_holds_no_secret(client, clock):
    key = client.tokens.cache_key
    assert CLIENT_SECRET not in key and ACCOUNT_ID not in key and CLIENT_ID not in key


def test_token_is_renewed_a_few_minutes_before_expiry(client, mocked, clock):
    mocked.add(responses.GET, f"{API}/users/u1", json=USER)
    client.get_user("u1")
    clock.now += 3600 - 301  # still more than 5 minutes left: reuse
    client.get_user("u1")
    assert len(token_calls(mocked)) == 1
    clock.now += 2  # now inside the renewal window
    client.get_user("u1")
    assert len(token_calls(mocked)) == 2


def test_401_code_124_renews_once_and_retries_once(make_client, mocked):
    mocked.add(responses.POST, OAUTH_URL, json=token_body("old-token-aaaa"))
    mocked.add(responses.POST, OAUTH_URL, json=token_body("new-token-bbbb"))
    mocked.add(
        responses.GET,
        f"{API}/users/u1",
        status=401,
        json={"code": 124, "message": "Invalid access token."},
    )
    mocked.add(responses.GET, f"{API}/users/u1", json=USER)
    assert make_client().get_user("u1").id == "u1"
    calls = api_calls(mocked)
    assert [c.request.headers["Authorization"] for c in calls] == [
        "Bearer old-token-aaaa",
        "Bearer new-token-bbbb",
    ]
    assert len(token_calls(mocked)) == 2


def test_a_second_401_is_an_error_not_a_loop(make_client, mocked):
    mocked.add(responses.POST, OAUTH_URL, json=token_body("old-token-aaaa"))
    mocked.add(responses.POST, OAUTH_URL, json=token_body("new-token-bbbb"))
    mocked.add(
        responses.GET,
        f"{API}/users/u1",
        status=401,
        json={"code": 124, "message": "Invalid access token."},
    )
    with pytest.raises(ZoomAuthError) as caught:
        make_client().get_user("u1")
    assert caught.value.code == 124
    assert len(api_calls(mocked)) == 2
    assert len(token_calls(mocked)) == 2


def test_renewal_after_401_reuses_a_token_another_process_already_renewed(
    make_client, mocked, clock
):
    mocked.add(responses.POST, OAUTH_URL, json=token_body("old-token-aaaa"))
    mocked.add(responses.POST, OAUTH_URL, json=token_body("new-token-bbbb"))
    shared = InMemoryTokenCache(clock)
    first, second = make_client(token_cache=shared), make_client(token_cache=shared)
    first.tokens.get()
    second.tokens.get()  # both hold old-token-aaaa
    rejected = "old-token-aaaa"
    assert first.tokens.get(rejected=rejected).value == "new-token-bbbb"
    assert second.tokens.get(rejected=rejected).value == "new-token-bbbb"
    assert len(token_calls(mocked)) == 2


def test_single_flight_waits_for_the_process_holding_the_lock(make_client, mocked, clock):
    shared = InMemoryTokenCache(clock)
    client = make_client(token_cache=shared)
    other = make_client(token_cache=shared)
    shared.add(client.tokens.lock_key, "1", 15)  # another process is fetching

    def other_process_finishes(seconds):
        clock.sleep(seconds)
        shared.set(
            other.tokens.cache_key,
            {"value": "theirs-1234", "expires_at": clock() + 3600, "scopes": []},
            3600,
        )

    client.tokens.sleep = other_process_finishes
    assert client.tokens.get().value == "theirs-1234"
    assert token_calls(mocked) == []


def test_single_flight_fetches_itself_when_the_lock_holder_died(client, mocked, clock):
    mocked.add(responses.POST, OAUTH_URL, json=token_body())
    client.tokens.cache.add(client.tokens.lock_key, "1", 15)
    assert client.tokens.get().value == ACCESS_TOKEN
    assert clock() >= 1_700_000_015


def test_bad_credentials_raise_auth_error(make_client, mocked):
    mocked.add(
        responses.POST,
        OAUTH_URL,
        status=400,
        json={"reason": "Invalid client_id or client_secret", "error": "invalid_client"},
    )
    with pytest.raises(ZoomAuthError) as caught:
        make_client().get_user("u1")
    assert caught.value.code == "invalid_client"
    assert caught.value.status == 400
    assert caught.value.operation == "fetch_token"
    assert api_calls(mocked) == []


def test_token_endpoint_outage_is_retried_then_unavailable(make_client, mocked, clock):
    mocked.add(responses.POST, OAUTH_URL, status=503, body="")
    with pytest.raises(ZoomUnavailable):
        make_client().get_user("u1")
    assert len(token_calls(mocked)) == 4
    assert len(clock.sleeps) == 3


def test_in_memory_cache_follows_django_semantics(clock):
    cache = InMemoryTokenCache(clock)
    assert cache.add("k", 1, 10) is True
    assert cache.add("k", 2, 10) is False
    assert cache.get("k") == 1
    clock.now += 11
    assert cache.get("k") is None
    assert cache.add("k", 3, 10) is True
    cache.set("k", 4, None)
    clock.now += 10_000
    assert cache.get("k") == 4
    cache.delete("k")
    assert cache.get("k", "default") == "default"
