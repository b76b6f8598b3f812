"""zoom-xblock's Tutor plugin (Tutor's v1 hooks API; loaded by ``tutor plugins enable zoom``).

What it gives an operator, with Tutor's own names:
- configuration keys for every ``ZOOM_XBLOCK`` setting (:mod:`.settings`), secrets as unique
  keys kept in ``config.yml``;
- the ``openedx-common-settings`` patch (LMS, Studio and both workers, production and
  development), with the plugin's Redis on Tutor's Redis and its tasks on the LMS queue;
- the periodic sweep without Celery beat: a ``zoom-sweep`` service for ``tutor local`` /
  ``tutor dev`` and ``zoom-sweep`` / ``zoom-check`` CronJobs for ``tutor k8s``;
- ``tutor local do zoom-check`` and ``do zoom-sync``; ``tutor zoom webhooks`` prints the URLs
  to give Zoom. The plugin's migrations run with the LMS's in ``tutor local do init``.
"""
from __future__ import annotations

import shlex
import typing as t
from importlib import resources
from string import Template

import click
from tutor import config as tutor_config
from tutor import hooks

from zoom_xblock.tutor_plugin import settings as zoom_settings

PATCHES = resources.files("zoom_xblock.tutor_plugin") / "patches"
CRONJOB = Template((resources.files("zoom_xblock.tutor_plugin") / "cronjob.yml.tmpl").read_text())
WEBHOOK_PATHS = ("/zoom/webhook/meeting", "/zoom/webhook/webinar")

hooks.Filters.CONFIG_DEFAULTS.add_items(zoom_settings.config_defaults())
hooks.Filters.CONFIG_UNIQUE.add_items(zoom_settings.config_unique())

hooks.Filters.ENV_PATCHES.add_item(("openedx-common-settings", zoom_settings.settings_patch()))
for patch in sorted(PATCHES.iterdir(), key=lambda path: path.name):
    hooks.Filters.ENV_PATCHES.add_item((patch.name, patch.read_text()))


def cron_schedule(minutes) -> str:
    """A cron schedule that runs every ``minutes`` (rounded to what cron can say)."""
    minutes = max(1, int(minutes))
    if minutes < 60:
        return f"*/{minutes} * * * *"
    return f"0 */{min(24, minutes // 60)} * * *"


def sweep_loop(minutes) -> str:
    """The ``zoom-sweep`` service's shell loop: the sweep every interval, the check hourly.

    ``$`` is doubled because docker compose interpolates variables in the file.
    """
    seconds = max(1, int(minutes)) * 60
    script = ("last=0; while true; do ./manage.py lms zoom_sweep; now=$(date +%s); "
              "if [ $((now - last)) -ge 3600 ]; then ./manage.py lms zoom_check --quiet; "
              f"last=$now; fi; sleep {seconds}; done")
    return script.replace("$", "$$")


def cronjob(name: str, schedule: str, command: str, image: str) -> str:
    """A Kubernetes CronJob running ``./manage.py lms <command>`` with the LMS's settings."""
    return CRONJOB.substitute(name=name, schedule=schedule, command=command, image=image)


hooks.Filters.ENV_TEMPLATE_FILTERS.add_item(("zoom_cron", cron_schedule))
hooks.Filters.ENV_TEMPLATE_VARIABLES.add_items([
    ("zoom_sweep_loop", sweep_loop),
    ("zoom_cronjob", cronjob),
])

# The plugin's tables are created by the LMS's own `migrate` in `do init`; naming the app makes
# a re-run of `do init --limit=zoom` bring them up to date on its own.
hooks.Filters.CLI_DO_INIT_TASKS.add_item(("lms", "./manage.py lms migrate zoom_xblock"))


@click.command(name="zoom-check",
               help="Check zoom-xblock's Zoom credentials, scopes, webhooks and sweep")
def zoom_check() -> t.Iterable[tuple[str, str]]:
    yield ("lms", "./manage.py lms zoom_check")


@click.command(name="zoom-sync", help="Sync zoom-xblock's registrants with Zoom now")
@click.option("--course", help="only the sessions of this course key")
@click.option("--block", help="only the session of this block usage key")
@click.option("--full", is_flag=True, help="also reconcile with Zoom's own registrant list")
def zoom_sync(course: str | None, block: str | None, full: bool) -> t.Iterable[tuple[str, str]]:
    args = ["./manage.py", "lms", "zoom_sync", "--no-progress"]
    if course:
        args += ["--course", course]
    if block:
        args += ["--block", block]
    if full:
        args.append("--full")
    yield ("lms", shlex.join(args))


hooks.Filters.CLI_DO_COMMANDS.add_items([zoom_check, zoom_sync])


def webhook_urls(config: dict) -> list[str]:
    """The two endpoint URLs to subscribe in the Zoom app, from Tutor's LMS host."""
    scheme = "https" if config.get("ENABLE_HTTPS") else "http"
    return [f"{scheme}://{config['LMS_HOST']}{path}" for path in WEBHOOK_PATHS]


@click.group(name="zoom", help="zoom-xblock commands")
def zoom_command() -> None:
    pass


@zoom_command.command(name="webhooks", help="Print the webhook URLs to give Zoom's app")
@click.pass_obj
def webhooks(context) -> None:
    config = tutor_config.load(context.root)
    meeting, webinar = webhook_urls(config)
    click.echo(f"Meeting events (Event Subscriptions, meetings): {meeting}")
    click.echo(f"Webinar events (Event Subscriptions, webinars): {webinar}")
    secret = zoom_settings.tutor_name("WEBHOOK_SECRET_TOKEN")
    if not config.get(secret):
        click.echo(f"Then set the app's Secret Token: tutor config save --set {secret}=...")


hooks.Filters.CLI_COMMANDS.add_item(zoom_command)
