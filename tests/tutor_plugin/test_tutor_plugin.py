"""The shipped Tutor plugin, driven by the real ``tutor`` CLI in a temporary Tutor root.

``tutor plugins enable zoom`` + ``tutor config save`` must give an operator everything: the
``ZOOM_XBLOCK`` settings in every LMS/CMS settings file, the sweep service for ``tutor local`` /
``tutor dev``, the CronJobs for ``tutor k8s`` and the ``do`` commands. Nothing needs Docker.
"""
import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.urls import reverse

from zoom_xblock.conf import DEFAULTS, SECRET_KEYS

TUTOR = Path(sys.executable).with_name("tutor")
SETTINGS_FILES = [f"apps/openedx/settings/{service}/{stage}.py"
                  for service in ("lms", "cms") for stage in ("production", "development")]


class TutorRoot:
    """A Tutor project folder of its own, with the CLI run as an operator would."""

    def __init__(self, root: Path):
        self.root = root

    def run(self, *args: str) -> str:
        env = {**os.environ, "TUTOR_ROOT": str(self.root),
               "TUTOR_PLUGINS_ROOT": str(self.root / "plugins")}
        done = subprocess.run([str(TUTOR), *args], env=env, capture_output=True, text=True,
                              timeout=120, check=False)
        assert done.returncode == 0, done.stderr + done.stdout
        return done.stdout

    def save(self, **values) -> None:
        args = []
        for key, value in values.items():
            args += ["--set", f"{key}={value}"]
        self.run("config", "save", *args)

    def env_text(self, relative: str) -> str:
        return (self.root / "env" / relative).read_text()

    def zoom_setting(self, relative: str) -> dict:
        """The ``ZOOM_XBLOCK`` dict a rendered settings file assigns, evaluated as Python."""
        module = ast.parse(self.env_text(relative))
        (value,) = [node.value for node in module.body if isinstance(node, ast.Assign)
                    and any(getattr(target, "id", "") == "ZOOM_XBLOCK" for target in node.targets)]
        return ast.literal_eval(value)

    def yaml_documents(self, relative: str) -> list:
        return [doc for doc in yaml.safe_load_all(self.env_text(relative)) if doc]


@pytest.fixture
def tutor(tmp_path):
    root = TutorRoot(tmp_path / "tutor")
    root.run("plugins", "enable", "zoom")
    return root


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """One Tutor root with the plugin enabled and every value left at its default."""
    root = TutorRoot(tmp_path_factory.mktemp("saved") / "tutor")
    root.run("plugins", "enable", "zoom")
    root.save()
    return root


def test_the_plugin_is_found_through_its_entry_point(saved):
    listed = saved.run("plugins", "list")
    (row,) = [line for line in listed.splitlines() if line.split("\t")[0] == "zoom"]
    assert "enabled" in row


def test_every_setting_reaches_the_lms_studio_and_their_workers_with_its_own_default(saved):
    tutor = saved
    for relative in SETTINGS_FILES:
        setting = tutor.zoom_setting(relative)
        assert set(setting) == set(DEFAULTS), relative
        for key, (_env, default) in DEFAULTS.items():
            if key in ("REDIS_URL", "CELERY_QUEUE"):
                continue
            assert setting[key] == default and type(setting[key]) is type(default), key


def test_operator_values_are_rendered_as_typed_python_and_secrets_stay_in_config_yml(tutor):
    secret = "se'cr\"et\\x"
    tutor.save(ZOOM_ACCOUNT_ID="acc-1", ZOOM_CLIENT_SECRET=secret, ZOOM_PLAN="business",
               ZOOM_RATE_SCALE="0.5", ZOOM_WEBINARS_ENABLED="false",
               ZOOM_SWEEP_INTERVAL_MINUTES="10", ZOOM_DRIFT_POLICY="report")
    setting = tutor.zoom_setting("apps/openedx/settings/lms/production.py")
    assert setting["ACCOUNT_ID"] == "acc-1"
    assert setting["CLIENT_SECRET"] == secret
    assert setting["PLAN"] == "business" and setting["DRIFT_POLICY"] == "report"
    assert setting["RATE_SCALE"] == 0.5 and setting["WEBINARS_ENABLED"] is False
    assert setting["SWEEP_INTERVAL_MINUTES"] == 10

    saved = yaml.safe_load((tutor.root / "config.yml").read_text())
    for key in SECRET_KEYS:  # unique keys: kept in the operator's config.yml, even when empty
        assert DEFAULTS[key][0] in saved
    assert "ZOOM_OAUTH_URL" not in saved  # defaults are not copied into config.yml


def test_several_accounts_reach_the_setting_as_mappings_and_stay_in_config_yml(tutor):
    south = {"ACCOUNT_ID": "acc-2", "CLIENT_ID": "c2", "CLIENT_SECRET": "s'2\"x",
             "WEBHOOK_SECRET_TOKEN": "w2", "PLAN": "business", "RATE_SCALE": 0.5}
    tutor.save(ZOOM_ACCOUNTS=json.dumps({"south": south}),
               ZOOM_ORG_ACCOUNTS='{"SouthX": "south"}')
    setting = tutor.zoom_setting("apps/openedx/settings/lms/production.py")
    assert setting["ACCOUNTS"] == {"south": south}
    assert setting["ORG_ACCOUNTS"] == {"SouthX": "south"}
    saved = yaml.safe_load((tutor.root / "config.yml").read_text())
    assert saved["ZOOM_ACCOUNTS"] == {"south": south}


def test_locks_use_tutors_redis_and_tasks_the_lms_queue(tutor):
    tutor.save(REDIS_HOST="cache.internal", REDIS_PORT="6390", REDIS_USERNAME="zoom",
               REDIS_PASSWORD="pw")
    setting = tutor.zoom_setting("apps/openedx/settings/cms/production.py")
    assert setting["REDIS_URL"] == "redis://zoom:pw@cache.internal:6390/3"
    # Studio's tasks must run in the LMS worker (Tutor's lms-worker consumes this queue).
    assert setting["CELERY_QUEUE"] == "edx.lms.core.default"

    tutor.save(ZOOM_REDIS_URL="redis://elsewhere:6379/9")
    assert tutor.zoom_setting("apps/openedx/settings/lms/development.py")["REDIS_URL"] == \
        "redis://elsewhere:6379/9"


def _sweep_service(tutor, relative="local/docker-compose.yml") -> dict:
    return yaml.safe_load(tutor.env_text(relative))["services"]["zoom-sweep"]


def test_tutor_local_gets_a_sweep_service_on_the_interval_the_plugin_reads(tutor):
    tutor.save()
    config = yaml.safe_load(tutor.run("config", "printvalue", "DOCKER_IMAGE_OPENEDX"))
    service = _sweep_service(tutor)
    assert service["image"] == config
    assert service["environment"]["DJANGO_SETTINGS_MODULE"] == "lms.envs.tutor.production"
    assert "../apps/openedx/settings/lms:/openedx/edx-platform/lms/envs/tutor:roz" in \
        service["volumes"]
    shell, flag, script = service["command"]
    assert (shell, flag) == ("bash", "-c")
    # docker compose turns $$ into $; what bash then runs must be valid and on the interval.
    script = script.replace("$$", "$")
    subprocess.run(["bash", "-n", "-c", script], check=True)
    default_minutes = DEFAULTS["SWEEP_INTERVAL_MINUTES"][1]
    assert f"sleep {default_minutes * 60};" in script
    assert "./manage.py lms zoom_sweep" in script and "zoom_check --quiet" in script

    tutor.save(ZOOM_SWEEP_INTERVAL_MINUTES="5")
    assert "sleep 300;" in _sweep_service(tutor)["command"][2]


def test_tutor_dev_runs_the_sweep_with_development_settings(saved):
    override = _sweep_service(saved, "dev/docker-compose.yml")
    assert override["environment"]["DJANGO_SETTINGS_MODULE"] == "lms.envs.tutor.development"


def _cronjobs(tutor) -> dict:
    return {doc["metadata"]["name"]: doc for doc in tutor.yaml_documents("k8s/deployments.yml")
            if doc.get("kind") == "CronJob"}


def test_tutor_k8s_gets_cronjobs_for_the_sweep_and_the_check(tutor):
    tutor.save(ZOOM_SWEEP_INTERVAL_MINUTES="10")
    jobs = _cronjobs(tutor)
    assert set(jobs) == {"zoom-sweep", "zoom-check"}
    sweep = jobs["zoom-sweep"]["spec"]
    assert jobs["zoom-sweep"]["spec"]["schedule"] == "*/10 * * * *"
    assert sweep["concurrencyPolicy"] == "Forbid"
    pod = sweep["jobTemplate"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["command"] == ["bash", "-c", "./manage.py lms zoom_sweep"]
    assert {volume["configMap"]["name"] for volume in pod["volumes"]} == {
        "openedx-settings-lms", "openedx-settings-cms", "openedx-config"}
    check = jobs["zoom-check"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert check["containers"][0]["command"][-1] == "./manage.py lms zoom_check --quiet"
    # The whole kustomization still parses with the plugin's documents in it.
    assert all(isinstance(doc, dict) for doc in tutor.yaml_documents("k8s/deployments.yml"))


def test_do_commands_and_webhook_urls(tutor):
    tutor.save(LMS_HOST="learn.example.org", ENABLE_HTTPS="true")
    listed = tutor.run("local", "do", "--help")
    assert "zoom-check" in listed and "zoom-sync" in listed
    printed = tutor.run("zoom", "webhooks")
    for endpoint in ("meeting", "webinar"):
        assert f"https://learn.example.org{reverse(f'zoom_xblock:webhook_{endpoint}')}" in printed
    assert "ZOOM_WEBHOOK_SECRET_TOKEN" in printed  # not set yet: the operator is told how


def test_do_commands_run_the_management_commands_in_the_lms():
    from zoom_xblock.tutor_plugin import plugin  # pylint: disable=import-outside-toplevel

    assert list(plugin.zoom_check.callback()) == [("lms", "./manage.py lms zoom_check")]
    assert list(plugin.zoom_sync.callback(course="course-v1:A+B+C", block=None, full=True)) == [
        ("lms", "./manage.py lms zoom_sync --no-progress --course course-v1:A+B+C --full")]
    # Whatever is typed is passed as one argument, never as shell.
    (_service, script), = plugin.zoom_sync.callback(course="x; rm -rf /", block=None, full=False)
    assert script.endswith("--course 'x; rm -rf /'")


@pytest.mark.parametrize("minutes, schedule", [
    (1, "*/1 * * * *"), (15, "*/15 * * * *"), (59, "*/59 * * * *"), (60, "0 */1 * * *"),
    (120, "0 */2 * * *"), (0, "*/1 * * * *"), (5000, "0 */24 * * *"),
])
def test_cron_schedules(minutes, schedule):
    from zoom_xblock.tutor_plugin import plugin  # pylint: disable=import-outside-toplevel

    assert plugin.cron_schedule(minutes) == schedule


def test_tutor_is_not_needed_to_import_the_block():
    """An LMS image has no Tutor: the package imports without it."""
    code = ("import sys; sys.modules['tutor'] = None; import zoom_xblock.tutor_plugin, "
            "zoom_xblock.tutor_plugin.settings; print('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert done.stdout.strip() == "ok", done.stderr
