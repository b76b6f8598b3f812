"""Statistics, state dump, reset, clock and the command line."""
import os
import socket
import subprocess
import sys
import time

import requests

from zoom_xblock.sandbox.cli import config_from_options
from zoom_xblock.sandbox.config import SandboxConfig

from .conftest import create_meeting, get_token


def test_stats_count_calls_and_reset(zoom):
    meeting = create_meeting(zoom)
    for _ in range(3):
        zoom.get(f"/meetings/{meeting['id']}")
    zoom.get("/meetings/1")
    stats = zoom.get("/_sandbox/stats").json()
    assert stats["calls"]["GET /meetings/{id}"] == 4
    assert stats["calls"]["POST /users/{userId}/meetings"] == 1
    assert stats["calls"]["POST /oauth/token"] == 1
    assert stats["statuses"]["404"] == 1
    assert stats["peak_rate"]["Light"]["peak_per_second"] >= 1
    assert stats["peak_rate"]["Heavy"]["limit"] == 10
    reset = zoom.post("/_sandbox/stats/reset").json()
    assert reset["calls"] == {} and reset["total_throttled"] == 0


def test_state_dump_and_reset(zoom):
    meeting = create_meeting(zoom, kind="webinars")
    zoom.post(f"/webinars/{meeting['id']}/registrants",
              json={"email": "a@example.com", "first_name": "A"})
    state = zoom.get("/_sandbox/state").json()
    assert set(state) >= {"users", "meetings", "webinars", "webhook_deliveries", "clock"}
    webinar = state["webinars"][0]
    assert webinar["registrants"][0]["email"] == "a@example.com"
    assert webinar["registrants"][0]["join_url"].startswith(zoom.url)
    zoom.post("/_sandbox/clock/advance", json={"hours": 1})
    assert zoom.post("/_sandbox/reset").json() == {"reset": True}
    state = zoom.get("/_sandbox/state").json()
    assert state["webinars"] == [] and state["clock"]["offset_seconds"] == 0
    assert {user["email"] for user in state["users"]} >= {"host@example.com",
                                                         "basic@example.com",
                                                         "nowebinar@example.com"}


def test_config_from_environment_and_options(tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text('{"users": [{"email": "x@example.com", "type": 1}]}')
    config = SandboxConfig.from_env(
        {"ZOOM_CLIENT_ID": "env-client", "ZOOM_SANDBOX_TIME_SCALE": "5",
         "ZOOM_WEBHOOK_SECRET_TOKEN": "env-secret", "ZOOM_SANDBOX_SEED_FILE": str(seed)},
        plan="business")
    assert (config.client_id, config.time_scale, config.webhook_secret, config.plan) == (
        "env-client", 5.0, "env-secret", "business")
    assert [user["email"] for user in config.seed_users] == ["x@example.com"]
    assert config_from_options({"port": 9, "quiet": True, "host": None}).port == 9


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_module_runs_as_a_process():
    port = _free_port()
    env = {**os.environ, "ZOOM_CLIENT_SECRET": "process-secret"}
    process = subprocess.Popen(
        [sys.executable, "-m", "zoom_xblock.sandbox", "--port", str(port), "--quiet",
         "--webhook-base", "", "--plan", "business"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                config = requests.get(f"{url}/_sandbox/config", timeout=1).json()
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        assert config["plan"] == "business" and config["client_secret"] == "***"
        assert get_token(url, auth=("sandbox-client", "process-secret")).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=5)
