"""Running a benchmark inside the workbench Django project, in a child process.

Each Django benchmark runs in its own ``python -m tests.bench.<module> --child NAME`` process
(a fresh SQLite database under var/, settings chosen before Django starts) and prints its rows
as JSON on the last line of its output; the parent turns them back into ``Result`` rows.
"""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

from .core import Result

ROOT = Path(__file__).resolve().parents[2]
MARKER = "BENCH-RESULTS "


def setup(database: str) -> None:
    """Start Django on a fresh SQLite file ``var/<database>`` with every table created."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.project.settings"
    os.environ["ZOOM_XBLOCK_SQLITE"] = database
    os.environ["ZOOM_XBLOCK_EAGER"] = "0"
    path = ROOT / "var" / database
    path.parent.mkdir(exist_ok=True)
    path.unlink(missing_ok=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", run_syncdb=True, verbosity=0)


def emit(results: list[Result]) -> None:
    """Print the rows for the parent process."""
    print(MARKER + json.dumps([dataclasses.asdict(result) for result in results]), flush=True)


def run_child(module: str, name: str, timeout: int = 600) -> list[Result]:
    """Run ``python -m module --child name`` and return its rows (a crash raises)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for key in [k for k in env if k.startswith("ZOOM_") and k != "ZOOM_XBLOCK_BENCH_REDIS"]:
        env.pop(key)
    done = subprocess.run([sys.executable, "-m", module, "--child", name], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(MARKER):
            return [Result(**row) for row in json.loads(line[len(MARKER):])]
    raise RuntimeError(f"{module} {name} printed no results:\n{done.stdout[-2000:]}\n"
                       f"{done.stderr[-4000:]}")
