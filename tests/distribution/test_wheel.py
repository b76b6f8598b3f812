"""The built wheel is complete: a fresh virtualenv can install it and render the block.

This is what an operator gets from ``pip install zoom-xblock``: the templates, static files and
translations must be inside the wheel, and the three entry points declared; the tests' stand-in
platform must not be.
"""
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.packaging

RENDER_SCRIPT = textwrap.dedent('''
    import os, sys
    sys.path = [p for p in sys.path if p not in ("", os.getcwd())]
    import django
    from django.conf import settings
    settings.configure(
        INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes",
                        "django.contrib.sessions", "django.contrib.messages",
                        "django.contrib.admin", "workbench", "zoom_xblock"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        USE_TZ=True, ROOT_URLCONF="workbench.urls", SECRET_KEY="x", STATIC_URL="/static/",
        WORKBENCH={"reset_state_on_restart": False, "services": {}},
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates",
                    "APP_DIRS": True}],
        ZOOM_XBLOCK={},
    )
    django.setup()
    from django.core.management import call_command
    call_command("migrate", run_syncdb=True, verbosity=0)
    import zoom_xblock
    from xblock.core import XBlock
    from workbench.runtime import WorkbenchRuntime
    block_class = XBlock.load_class("zoom")
    runtime = WorkbenchRuntime("student")
    usage = runtime.parse_xml_string(
        '<zoom title="Wheel check" start_local="2030-01-15T15:00" timezone="UTC"/>')
    html = runtime.get_block(usage).render("student_view", {}).body_html()
    print("MODULE", zoom_xblock.__file__)
    print("CLASS", block_class.__module__)
    print("HTML", "Wheel check" in html, "zoom-xblock" in html)
''')


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                    str(ROOT)], check=True, capture_output=True)
    (found,) = out.glob("zoom_xblock-*.whl")
    return found


def test_wheel_ships_resources_and_entry_points(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        declared = archive.read(entry_points).decode()
    for resource in ("zoom_xblock/templates/zoom_xblock/student_view.html",
                     "zoom_xblock/static/css/zoom.css", "zoom_xblock/static/js/zoom.js",
                     "zoom_xblock/migrations/0001_initial.py",
                     # edx-ace's renderer finds these through the LMS's app_directories loader
                     "zoom_xblock/templates/zoom_xblock/edx_ace/sessionmessage/email/body.txt"):
        assert resource in names, resource
    assert any(n.startswith("zoom_xblock/translations/") for n in names)
    assert {"zoom_xblock/platform/__init__.py", "zoom_xblock/platform/protocol.py",
            "zoom_xblock/platform/openedx.py"} <= names
    # The workbench's stand-in platform and the tests stay out of what operators install.
    assert not [n for n in names if n.startswith(("tests/", "zoom_xblock/standalone/"))
                or "standin" in n]
    assert "zoom = zoom_xblock:ZoomXBlock" in declared
    assert "zoom = zoom_xblock.tutor_plugin.plugin" in declared
    assert "zoom_xblock/tutor_plugin/patches/k8s-deployments" in names
    assert declared.count("zoom_xblock = zoom_xblock.apps:ZoomXBlockConfig") == 2


def test_wheel_installs_in_a_fresh_virtualenv_and_renders(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "-c", str(ROOT / "requirements" / "test.txt"),
         str(wheel), "xblock-sdk", "lazy", "tutor"],
        capture_output=True, text=True, check=False,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    assert install.returncode == 0, install.stderr[-3000:]
    script = tmp_path / "render.py"
    script.write_text(RENDER_SCRIPT)
    result = subprocess.run([str(python), str(script)], cwd=tmp_path, capture_output=True,
                            text=True, check=False, env={k: v for k, v in os.environ.items()
                                            if k not in ("PYTHONPATH", "DJANGO_SETTINGS_MODULE")})
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"MODULE {venv}" in result.stdout
    assert "CLASS zoom_xblock.block.xblock" in result.stdout
    assert "HTML True True" in result.stdout

    # The Tutor plugin works from the wheel: its patches are inside it.
    tutor_env = {**os.environ, "TUTOR_ROOT": str(tmp_path / "tutor"),
                 "TUTOR_PLUGINS_ROOT": str(tmp_path / "tutor" / "plugins")}
    for args in (["plugins", "enable", "zoom"], ["config", "save"]):
        done = subprocess.run([str(venv / "bin" / "tutor"), *args], env=tutor_env,
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
    manifests = (tmp_path / "tutor" / "env" / "k8s" / "deployments.yml").read_text()
    assert "name: zoom-sweep" in manifests
