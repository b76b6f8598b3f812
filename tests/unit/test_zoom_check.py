"""``manage.py zoom_check`` against the local Zoom: exit 0 when all is well, otherwise one line
per problem (with its fix) and exit 1; the result feeds the block's banner."""
import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from tests.utils import COURSE, SANDBOX_CREDENTIALS, make_block, make_user, render
from zoom_xblock import platform, tasks
from zoom_xblock.models import ZoomSession
from zoom_xblock.sandbox import start_sandbox
from zoom_xblock.staff import health
from zoom_xblock.zoom import REQUIRED_SCOPES

pytestmark = pytest.mark.django_db


@pytest.fixture
def healthy(zoom_sandbox):
    """The sandbox, a session in use by a licensed organizer, a recent sweep."""
    ZoomSession.objects.create(usage_key="block-a", course_key=COURSE, title="A",
                               host_email="host@example.com", status="scheduled")
    ZoomSession.objects.create(usage_key="block-b", course_key=COURSE, title="B", kind="webinar",
                               host_email="Host2@example.com", status="scheduled")
    health.record_sweep()
    return zoom_sandbox


def _check(*args) -> tuple[int, list[str], list[str]]:
    """Run the command: (exit status, ok lines, problem lines)."""
    out = io.StringIO()
    try:
        call_command("zoom_check", *args, stdout=out, no_color=True)
        status = 0
    except CommandError as error:
        status = error.returncode
    lines = out.getvalue().splitlines()
    return (status, [line for line in lines if line.startswith("ok: ")],
            [line for line in lines if line.startswith("PROBLEM")])


def test_all_good_exits_zero(healthy):
    status, passed, problems = _check()
    assert (status, problems) == (0, [])
    assert any(f"All {len(REQUIRED_SCOPES)} scopes" in line for line in passed)
    assert any("/zoom/webhook/meeting answers Zoom's signed URL validation" in line
               for line in passed)
    assert any("/zoom/webhook/webinar answers" in line for line in passed)
    assert any("All 2 organizers in use are licensed" in line for line in passed)
    assert health.cached_problems() == []


def test_missing_scopes_are_named_on_one_line(healthy, settings):
    missing = ["meeting:write:batch_registrants:admin", "webinar:read:list_registrants:admin"]
    fewer = start_sandbox(port=0, quiet=True, webhook_base="",
                          scopes=[s for s in REQUIRED_SCOPES if s not in missing])
    try:
        cache.clear()
        health.record_sweep()
        settings.ZOOM_XBLOCK = {**settings.ZOOM_XBLOCK, "OAUTH_URL": f"{fewer.url}/oauth/token"}
        status, _passed, problems = _check()
    finally:
        fewer.stop()
    assert status == 1
    (line,) = problems
    assert line.startswith("PROBLEM [scopes]: The Zoom app lacks 2 of the 45 scopes")
    assert all(scope in line for scope in missing) and "Fix: Add them" in line


def test_a_missing_webhook_secret_is_one_problem(healthy, settings):
    settings.ZOOM_XBLOCK = {**settings.ZOOM_XBLOCK, "WEBHOOK_SECRET_TOKEN": ""}
    status, _passed, problems = _check()
    assert status == 1
    (line,) = problems
    assert line.startswith("PROBLEM [webhook_secret]: The webhook secret token is not set")
    assert "Fix: Copy the Secret Token" in line


def test_a_webhook_view_that_refuses_zooms_signature_is_caught(healthy, monkeypatch):
    import dataclasses

    from zoom_xblock.conf import get_config
    from zoom_xblock.webhooks import intake

    other = dataclasses.replace(get_config(), webhook_secret_token="another-secret")
    monkeypatch.setattr(intake, "get_config", lambda: other)  # an LMS with another secret
    status, _passed, problems = _check()
    assert status == 1 and len(problems) == 2  # both endpoints
    assert all(line.startswith("PROBLEM [webhook_endpoint]") and "HTTP 401" in line
               for line in problems)


def test_unlicensed_and_unknown_organizers_are_one_line_each(healthy):
    ZoomSession.objects.create(usage_key="block-c", course_key=COURSE, title="C",
                               host_email="basic@example.com", status="scheduled")
    ZoomSession.objects.create(usage_key="block-d", course_key=COURSE, title="D", kind="webinar",
                               host_email="nowebinar@example.com", status="creating")
    ZoomSession.objects.create(usage_key="block-e", course_key=COURSE, title="E",
                               host_email="ghost@example.com", status="failed")
    ZoomSession.objects.create(usage_key="block-f", course_key=COURSE, title="F",
                               host_email="gone@example.com", status="deleted")  # not in use
    status, _passed, problems = _check()
    assert status == 1 and len(problems) == 3
    text = "\n".join(problems)
    assert "basic@example.com has a Basic (free) Zoom user" in text
    assert "nowebinar@example.com has no Zoom Webinar licence" in text
    assert "Zoom has no user ghost@example.com" in text
    assert "gone@example.com" not in text


def test_a_stale_sweep_is_one_problem(healthy):
    health.record_sweep(timezone.now() - timedelta(hours=3))
    status, _passed, problems = _check()
    assert status == 1
    (line,) = problems
    assert line.startswith("PROBLEM [sweep]: The periodic sweep last ran 180 minutes ago")
    assert "zoom_sweep" in line


def test_a_sweep_that_never_ran_is_a_problem_for_the_operator(healthy):
    cache.delete(health.SWEEP_KEY)
    status, _passed, problems = _check()
    assert status == 1 and problems[0].startswith("PROBLEM [sweep]: The periodic sweep has "
                                                  "never run")


def test_wrong_credentials_are_reported_not_raised(healthy, settings):
    settings.ZOOM_XBLOCK = {**settings.ZOOM_XBLOCK, "CLIENT_SECRET": "wrong"}
    status, _passed, problems = _check()
    assert status == 1
    (line,) = problems
    assert line.startswith("PROBLEM [token]: Zoom refused the app's credentials")


def test_missing_credentials(settings):
    settings.ZOOM_XBLOCK = {"WEBHOOK_SECRET_TOKEN": "x"}
    health.record_sweep()
    status, _passed, problems = _check("--no-webhook-self-check")
    assert status == 1
    (line,) = problems
    assert "ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET" in line


def test_the_check_feeds_the_banner_and_the_periodic_task_refreshes_it(healthy):
    ZoomSession.objects.create(usage_key="block-c", course_key=COURSE, title="C",
                               host_email="basic@example.com", status="scheduled")
    staff = make_user("teacher", course_role="staff")
    block = make_block(staff, title="C", host_email="basic@example.com")
    ZoomSession.objects.filter(usage_key="block-c").update(usage_key=platform.usage_key_for(block))
    assert "zoom-health-banner" not in render(block)  # nothing checked yet
    _check()
    assert "basic@example.com has a Basic (free) Zoom user" in render(block)
    assert "basic@example.com" not in render(make_block(staff, title="A",
                                                        host_email="host@example.com")
                                             ).split("zoom-staff")[0]
    ZoomSession.objects.filter(host_email="basic@example.com").update(
        host_email="host@example.com")
    assert tasks.check_health.delay().get() == {"problems": []}
    assert "zoom-health-banner" not in render(block)


def test_quiet_prints_nothing_when_all_is_well(healthy):
    out = io.StringIO()
    call_command("zoom_check", "--quiet", stdout=out)
    assert out.getvalue() == ""


def test_sandbox_credentials_are_what_the_fixture_uses(healthy, settings):
    assert settings.ZOOM_XBLOCK["CLIENT_SECRET"] == SANDBOX_CREDENTIALS["CLIENT_SECRET"]


def test_the_settings_page_lists_every_setting_with_its_default():
    """docs/settings.md stays true to conf.DEFAULTS (the README points there)."""
    from pathlib import Path

    from zoom_xblock.conf import DEFAULTS

    root = Path(__file__).resolve().parents[2]
    text = (root / "docs" / "settings.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(" `"): [cell.strip() for cell in line.split("|")[2:4]]
            for line in text.splitlines() if line.startswith("| `")}
    assert set(rows) == set(DEFAULTS)
    for key, (env_name, default) in DEFAULTS.items():
        shown = rows[key][1].strip("`")
        expected = str(default).lower() if isinstance(default, bool) else str(default)
        assert rows[key][0] == f"`{env_name}`", key
        assert shown == (expected or '""'), key
    assert "docs/settings.md" in (root / "README.md").read_text(encoding="utf-8")


def test_in_studio_the_webhook_self_check_is_skipped_not_failed(healthy, settings):
    settings.ROOT_URLCONF = "workbench.urls"  # like Studio: the plugin's URLs are LMS-only
    status, passed, problems = _check()
    assert (status, problems) == (0, [])
    assert any("Webhook self-check skipped" in line for line in passed)
