"""Two real processes sharing one Redis-backed cache fetch one token between them."""

import json
import multiprocessing
import os
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from zoom_xblock.zoom import ZoomClient

CALLS_PER_PROCESS = 500


class RedisCache:
    """The subset of Django's cache API the token provider uses, on plain Redis."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url)
        self.prefix = prefix

    def get(self, key, default=None):
        value = self.redis.get(self.prefix + key)
        return default if value is None else json.loads(value)

    def set(self, key, value, timeout=None):
        self.redis.set(self.prefix + key, json.dumps(value), ex=timeout)

    def add(self, key, value, timeout=None):
        return bool(self.redis.set(self.prefix + key, json.dumps(value), ex=timeout, nx=True))

    def delete(self, key):
        self.redis.delete(self.prefix + key)


class SlowTokenHandler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - the http.server API
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.fetches += 1
        time.sleep(0.3)  # slow enough for both processes to want a token at once
        body = json.dumps({"access_token": f"tok-{self.server.fetches}", "expires_in": 3600})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


def worker(oauth_url: str, prefix: str, start, results) -> None:
    cache = RedisCache("redis://127.0.0.1:6379/0", prefix)
    client = ZoomClient("acct", "cid", "secret", oauth_url=oauth_url, token_cache=cache)
    start.wait()
    for _ in range(CALLS_PER_PROCESS):
        client.tokens.get()
    results.put(client.tokens.fetch_count)


@pytest.mark.services
def test_two_processes_fetch_one_token_for_a_thousand_calls():
    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2).ping()
    except redis.RedisError as exc:
        if os.environ.get("ZOOM_XBLOCK_REQUIRE_SERVICES") == "1":
            pytest.fail(f"Redis unreachable: {exc}", pytrace=False)
        pytest.skip(f"Redis unreachable: {exc}")
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowTokenHandler)
    server.fetches = 0
    threading.Thread(target=server.serve_forever, daemon=True).start()
    prefix = f"test-zoom-token-{uuid.uuid4().hex}:"
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    oauth_url = f"http://127.0.0.1:{server.server_address[1]}/oauth/token"
    processes = [
        context.Process(target=worker, args=(oauth_url, prefix, start, results)) for _ in range(2)
    ]
    try:
        for process in processes:
            process.start()
        start.set()
        fetched = [results.get(timeout=60) for _ in processes]
        for process in processes:
            process.join(timeout=30)
    finally:
        server.shutdown()
        server.server_close()
        client = redis.Redis(host="127.0.0.1", port=6379)
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
    assert sum(fetched) == 1
    assert server.fetches == 1
