"""`make demo`: the workbench with the block, the plugin's URLs, Celery and the Zoom sandbox.

Starts, in this order, the local Zoom sandbox (http://127.0.0.1:8010), a Celery worker with its
beat (the periodic sweep), and Django's server (http://127.0.0.1:8000), after migrating and
seeding the demo course. Ctrl-C stops everything. Redis is used when it runs on this machine;
otherwise kombu's filesystem transport, so a fresh machine needs no server at all.

Everything the demo keeps lives in ``var/``: the database, the sandbox's account
(``var/sandbox-state.pickle``, so a second ``make demo`` finds the meetings the first one
created; sessions whose meeting the sandbox lost anyway are created again at start), mail,
logs. ``python -m tests.project.demo manage <command> [args]`` runs a management command in
the demo's environment (its database, cache and Zoom): ``make zoom_check``, ``make zoom_sync``,
``make zoom_sweep``.
"""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEB = ("127.0.0.1", 8000)
SANDBOX = ("127.0.0.1", 8010)
SANDBOX_URL = f"http://{SANDBOX[0]}:{SANDBOX[1]}"
WEBHOOK_SECRET = "sandbox-webhook-secret"
VAR = ROOT / "var"
SANDBOX_STATE = VAR / "sandbox-state.pickle"


def _listening(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _wait(host: str, port: int, name: str, process: subprocess.Popen, seconds: int = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _listening(host, port):
            return
        if process.poll() is not None:
            sys.exit(f"{name} stopped (exit {process.returncode}); see var/{name}.log")
        time.sleep(0.3)
    sys.exit(f"{name} did not start on {host}:{port} within {seconds} s")


def environment() -> dict:
    """The variables every demo process shares: sandbox credentials, broker, database."""
    # With real credentials in the environment the demo talks to the real Zoom (its webhooks
    # cannot reach this machine, the rest works); without them, to the local sandbox.
    real_zoom = all(os.environ.get(name) for name in (
        "ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET"))
    oauth_url = "https://zoom.us/oauth/token" if real_zoom else f"{SANDBOX_URL}/oauth/token"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "tests.project.settings",
        "ZOOM_XBLOCK_DEMO": "1",
        "ZOOM_XBLOCK_SQLITE": "demo.sqlite3",
        "ZOOM_ACCOUNT_ID": os.environ.get("ZOOM_ACCOUNT_ID", "sandbox-account"),
        "ZOOM_CLIENT_ID": os.environ.get("ZOOM_CLIENT_ID", "sandbox-client"),
        "ZOOM_CLIENT_SECRET": os.environ.get("ZOOM_CLIENT_SECRET", "sandbox-secret"),
        "ZOOM_WEBHOOK_SECRET_TOKEN": os.environ.get("ZOOM_WEBHOOK_SECRET_TOKEN", WEBHOOK_SECRET),
        "ZOOM_OAUTH_URL": os.environ.get("ZOOM_OAUTH_URL", oauth_url),
        "ZOOM_SYNC_DEBOUNCE_SECONDS": "2",
        "ZOOM_SWEEP_INTERVAL_MINUTES": "1",
    }
    if not real_zoom:
        env["ZOOM_XBLOCK_DEMO_SANDBOX_URL"] = SANDBOX_URL  # demo_seed reconciles with it
    if _listening("127.0.0.1", 6379):
        env.setdefault("ZOOM_XBLOCK_BROKER_URL", "redis://127.0.0.1:6379/5")
        env.setdefault("ZOOM_XBLOCK_CACHE_URL", "redis://127.0.0.1:6379/6")
    else:
        env.setdefault("ZOOM_XBLOCK_BROKER_URL", "filesystem://")
    return env


def run_command(arguments: list[str]) -> int:
    """Run ``manage.py <arguments>`` in the demo's environment (what ``make zoom_check`` and
    ``make zoom_sync`` do); returns its exit status."""
    VAR.mkdir(exist_ok=True)
    return subprocess.run([sys.executable, "-m", "tests.manage", *arguments], cwd=ROOT,
                          env=environment(), check=False).returncode


def main(argv: list[str] | None = None) -> None:
    """Run the demo until Ctrl-C (or, with ``manage ...``, one command in its environment)."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["manage"]:
        sys.exit(run_command(argv[1:]))
    env = environment()
    var = VAR
    var.mkdir(exist_ok=True)
    for host, port in (WEB, SANDBOX):
        if _listening(host, port):
            sys.exit(f"{host}:{port} is already in use: stop what runs there first.")
    python = sys.executable
    manage = [python, "-m", "tests.manage"]
    subprocess.run([*manage, "migrate", "--run-syncdb", "-v0"], cwd=ROOT, env=env, check=True)

    processes = []

    def start(name, command):
        log = open(var / f"{name}.log", "wb")  # noqa: SIM115  (closed with the process)
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
        processes.append((name, process))
        return process

    def stop(*_args):
        for _name, process in reversed(processes):
            if process.poll() is None:
                process.terminate()
        for _name, process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    sandbox = start("sandbox", [python, "-m", "zoom_xblock.sandbox", "--host", SANDBOX[0],
                                "--port", str(SANDBOX[1]), "--state-file", str(SANDBOX_STATE),
                                "--webhook-base", f"http://{WEB[0]}:{WEB[1]}/zoom/webhook/"])
    _wait(*SANDBOX, "sandbox", sandbox)
    subprocess.run([*manage, "demo_seed"], cwd=ROOT, env=env, check=True)
    start("celery", [python, "-m", "celery", "-A", "tests.project", "worker", "--beat",
                     "-l", "INFO", "-c", "2", "-s", str(var / "celerybeat-schedule")])
    web = start("web", [*manage, "runserver", "--noreload", f"{WEB[0]}:{WEB[1]}"])
    _wait(*WEB, "web", web)
    print(GUIDE.format(web=f"http://{WEB[0]}:{WEB[1]}", sandbox=SANDBOX_URL,
                       broker=env["ZOOM_XBLOCK_BROKER_URL"]), flush=True)
    while True:
        for name, process in processes:
            if process.poll() is not None:
                print(f"{name} stopped (exit {process.returncode}); see var/{name}.log")
                stop()
        time.sleep(1)


GUIDE = """
zoom-xblock demo is running.

  Workbench      {web}/            (scenarios, and "Log in as" for each demo person)
  Zoom sandbox   {sandbox}/_sandbox/state   (what the plugin created in "Zoom")
  Celery broker  {broker}
  Logs           var/web.log, var/celery.log, var/sandbox.log
  Commands       make zoom_check, make zoom_sync, make zoom_sweep (this demo's database and Zoom)

Scenarios (open one, then switch between Learner view, Author view and Studio editor):
  - A meeting:                 scheduled in the sandbox; learners get their own Join link and
                               e-mails (var/mail/: confirmation, reminder, new time...; grace's
                               in French) and subscribe to the course's calendar feed. It adopts
                               changes made in Zoom: try
                               curl -X POST {sandbox}/_sandbox/meetings/<id>/update \
                                    -H 'Content-Type: application/json' \
                                    -d '{{"topic": "Office hours (moved)", "duration": 90}}'
  - A webinar:                 hosted by host@example.com (webinar licence); the instructor
                               ines is its panelist (listed in the staff view).
  - With a prerequisite:       grace has not passed "Week 1" yet and sees "See requirements";
                               its link lets her record a score, after which she can Join.
  - A full session:            capacity 2 with three learners: the third is on the waitlist.
  - A past-dated session:      "Not started yet" until the organizer starts and ends it in the
                               sandbox; then attendance counts, and Join after the end still
                               opens each learner's own link. Starting and ending a 2030
                               session instead is a test run: it stays upcoming.
  - A new session:             no organizer yet: as sam (no Zoom user), the editor proposes
                               the licensed instructor and says why.
  - A new component (empty), another new component (empty):
                               open the Studio editor and create a meeting or a webinar.
  Drafts, as in Studio: a save in the Studio editor is a draft (the Author view says "Draft, not
  yet published"); Publish sends it to Zoom and the Learner view, Discard changes reverts it.

People: author (course instructor, host@example.com), ines (instructor, not a Zoom user),
sam (course staff, not a Zoom user), ada, grace, alan (enrolled learners), linus (not
enrolled). ZOOM_SANDBOX_WEBINAR_PLAN=0 make demo: an account without webinars.
Press Ctrl-C to stop everything.
"""

if __name__ == "__main__":
    main()
