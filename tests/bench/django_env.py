"""Running a benchmark inside the workbench Django project, in a child process.

Each Django benchmark runs in its own ``python -m tests.bench.<module> --child NAME`` process
(a fresh SQLite database under var/bench/, settings chosen before Django starts) and prints its rows
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
# The benchmarks' own folder (databases, mail, broker): never the demo's var/.
BENCH_VAR = ROOT / "var" / "bench"
MARKER = "BENCH-RESULTS "


def setup(database: str) -> None:
    """Start Django on a fresh SQLite file ``var/bench/<database>`` with every table created
    (the project's mail and other files go to ``var/bench/`` too)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.project.settings"
    os.environ["ZOOM_XBLOCK_VAR_DIR"] = str(BENCH_VAR)
    os.environ["ZOOM_XBLOCK_SQLITE"] = database
    os.environ["ZOOM_XBLOCK_EAGER"] = "0"
    path = BENCH_VAR / database
    path.parent.mkdir(parents=True, exist_ok=True)
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
