"""The demo can be used for real (issue 15): empty components to create sessions from scratch,
the operator's commands in the demo's environment, a sandbox that keeps its account across
restarts (and sessions re-created when it lost them), benchmarks in their own folder, sandbox
hosts distinct from the demo learners, WAL SQLite, and a "Log in as" that stays on the site."""
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from django.test import Client
from django.urls import clear_url_caches

from tests.project import demo
from tests.project.management.commands import demo_seed
from tests.project.views import same_site_path
from zoom_xblock.block.xblock import ZoomXBlock
from zoom_xblock.models import Registration, ZoomSession
from zoom_xblock.sandbox import start_sandbox
from zoom_xblock.sandbox.config import DEFAULT_SEED_USERS

ROOT = Path(__file__).resolve().parents[2]


# --- "Log in as" ------------------------------------------------------------------------------

@pytest.fixture
def demo_urls(settings):
    settings.DEBUG = True  # the project adds /demo/login-as/ in DEBUG only
    from tests.project import urls

    importlib.reload(urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(urls)
    clear_url_caches()


@pytest.mark.django_db
@pytest.mark.parametrize("target,landing", [
    ("/scenario/zoom.0/", "/scenario/zoom.0/"),
    ("/scenario/zoom.0/?x=1", "/scenario/zoom.0/?x=1"),
    ("https://evil.example/", "/"),
    ("//evil.example/path", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("http://127.0.0.1:8000/", "/"),
    ("", "/"),
])
def test_log_in_as_only_redirects_to_paths_of_this_site(demo_urls, target, landing):
    from tests.utils import make_user

    make_user("ada")
    response = Client().get("/demo/login-as/ada/", {"next": target})
    assert response.status_code == 302 and response["Location"] == landing
    assert same_site_path(target) == landing


# --- Scenarios and people ---------------------------------------------------------------------

def test_two_empty_components_let_an_author_start_from_scratch():
    empty = [(name, xml) for name, xml in ZoomXBlock.workbench_scenarios() if "(empty)" in name]
    assert len(empty) == 2
    assert all("start_local" not in xml and "host_email" not in xml for _name, xml in empty)


def test_sandbox_hosts_do_not_share_a_name_with_a_demo_learner():
    hosts = {(user["first_name"], user["last_name"]) for user in DEFAULT_SEED_USERS}
    people = {(first, last) for _u, _e, first, last, *_rest in demo_seed.PEOPLE}
    assert not hosts & people
    first_names = {first for first, _last in hosts}
    assert not first_names & {first for first, _last in people}


# --- The operator's commands in the demo's environment ----------------------------------------

def test_demo_commands_run_with_the_demos_database_cache_and_zoom(monkeypatch):
    seen = {}

    def fake_run(command, cwd, env, check):
        seen.update(command=command, env=env)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(demo.subprocess, "run", fake_run)
    monkeypatch.delenv("ZOOM_ACCOUNT_ID", raising=False)
    with pytest.raises(SystemExit) as done:
        demo.main(["manage", "zoom_sync", "--full"])
    assert done.value.code == 0
    assert seen["command"][1:] == ["-m", "tests.manage", "zoom_sync", "--full"]
    env = seen["env"]
    assert env["ZOOM_XBLOCK_DEMO"] == "1" and env["ZOOM_XBLOCK_SQLITE"] == "demo.sqlite3"
    assert env["ZOOM_OAUTH_URL"] == f"{demo.SANDBOX_URL}/oauth/token"
    assert env["ZOOM_ACCOUNT_ID"] == "sandbox-account" and env["ZOOM_XBLOCK_BROKER_URL"]


def test_the_makefile_documents_the_demo_commands():
    makefile = (ROOT / "Makefile").read_text()
    for name in ("zoom_check", "zoom_sync", "zoom_sweep"):
        assert f"{name}: requirements" in makefile
        assert f"python -m tests.project.demo manage {name} $(ARGS)" in makefile
    assert "make zoom_check" in (ROOT / "README.md").read_text()


# --- The sandbox keeps its account; the demo re-creates what it lost --------------------------

def _token(url: str) -> str:
    response = requests.post(f"{url}/oauth/token", auth=("sandbox-client", "sandbox-secret"),
                             data={"grant_type": "account_credentials",
                                   "account_id": "sandbox-account"}, timeout=5)
    response.raise_for_status()
    return response.json()["access_token"]


def test_the_sandbox_keeps_meetings_and_registrants_across_a_restart(tmp_path):
    state_file = str(tmp_path / "sandbox-state.pickle")
    first = start_sandbox(port=0, webhook_base="", state_file=state_file)
    try:
        headers = {"Authorization": f"Bearer {_token(first.url)}"}
        meeting = requests.post(f"{first.url}/v2/users/host@example.com/meetings", json={
            "topic": "Kept", "type": 2, "start_time": "2030-01-15T14:00:00Z", "duration": 60,
            "settings": {"approval_type": 0}}, headers=headers, timeout=5).json()
        registrant = requests.post(
            f"{first.url}/v2/meetings/{meeting['id']}/registrants",
            json={"email": "ada@example.com", "first_name": "Ada"}, headers=headers,
            timeout=5).json()
    finally:
        first.stop()
    second = start_sandbox(port=0, webhook_base="", state_file=state_file)
    try:
        headers = {"Authorization": f"Bearer {_token(second.url)}"}
        found = requests.get(f"{second.url}/v2/meetings/{meeting['id']}", headers=headers,
                             timeout=5)
        assert found.status_code == 200 and found.json()["topic"] == "Kept"
        people = requests.get(f"{second.url}/v2/meetings/{meeting['id']}/registrants",
                              headers=headers, timeout=5).json()["registrants"]
        assert [person["id"] for person in people] == [registrant["registrant_id"]]
        join = registrant["join_url"].replace(first.url, second.url)
        assert requests.get(join, timeout=5).status_code == 200  # the personal link still works
    finally:
        second.stop()


def test_without_a_state_file_the_sandbox_forgets(tmp_path):
    handle = start_sandbox(port=0, webhook_base="")
    try:
        state = requests.get(f"{handle.url}/_sandbox/state", timeout=5).json()
        assert state["meetings"] == [] and not list(tmp_path.iterdir())
    finally:
        handle.stop()


@pytest.mark.django_db
def test_sessions_whose_meeting_the_sandbox_lost_are_created_again(monkeypatch):
    queued = []
    monkeypatch.setattr("zoom_xblock.intents.queue_apply", queued.append)
    kept = ZoomSession.objects.create(usage_key="kept", course_key="c", title="t", zoom_id=1,
                                      status="scheduled", synced_version=1)
    lost = ZoomSession.objects.create(usage_key="lost", course_key="c", title="t", zoom_id=2,
                                      status="scheduled", synced_version=1, live_status="ended",
                                      applied_settings={"topic": "t"})
    Registration.objects.create(session=lost, user_id=1, email="a@example.com",
                                state="registered", registrant_id="r1", join_url="http://x")
    assert demo_seed.recreate_missing_meetings({1}) == ["lost"]
    lost.refresh_from_db()
    kept.refresh_from_db()
    assert (lost.zoom_id, lost.status, lost.applied_settings, lost.live_status) == (
        None, "creating", {}, "not_started")
    assert Registration.objects.filter(session=lost, state="pending", registrant_id="",
                                       join_url="").count() == 1
    assert kept.zoom_id == 1 and queued == [lost.id]


# --- Benchmarks and SQLite ----------------------------------------------------------------------

def _django_in_child(env: dict, code: str) -> dict:
    child_env = {key: value for key, value in os.environ.items()
                 if not key.startswith(("ZOOM_", "DJANGO_"))}
    child_env.update({"PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "tests.project.settings",
                      **env})
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=child_env,
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_demos_sqlite_uses_wal_and_waits_for_the_lock(tmp_path):
    found = _django_in_child(
        {"ZOOM_XBLOCK_DEMO": "1", "ZOOM_XBLOCK_VAR_DIR": str(tmp_path),
         "ZOOM_XBLOCK_BROKER_URL": "filesystem://", "ZOOM_XBLOCK_SQLITE": "demo.sqlite3"},
        "import json, django; django.setup()\n"
        "from django.db import connection\n"
        "cursor = connection.cursor()\n"
        "cursor.execute('PRAGMA journal_mode'); mode = cursor.fetchone()[0]\n"
        "cursor.execute('PRAGMA busy_timeout'); wait = cursor.fetchone()[0]\n"
        "print(json.dumps({'mode': mode, 'wait': wait}))")
    assert found == {"mode": "wal", "wait": 20000}


def test_benchmarks_write_into_their_own_folder_not_the_demos(tmp_path):
    found = _django_in_child({}, (
        "import json\n"
        "from tests.bench import django_env\n"
        "django_env.setup('bench-check.sqlite3')\n"
        "from django.conf import settings\n"
        "print(json.dumps({'db': str(settings.DATABASES['default']['NAME']),"
        " 'mail': settings.EMAIL_FILE_PATH}))"))
    bench = ROOT / "var" / "bench"
    assert found == {"db": str(bench / "bench-check.sqlite3"), "mail": str(bench / "mail")}
    (bench / "bench-check.sqlite3").unlink(missing_ok=True)
