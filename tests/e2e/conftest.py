"""Browser tests: Playwright driving Debian's Chromium against the workbench on a live server.

Never downloads a browser: Chromium must be installed (``make browser-deps``); without it the
tests skip, or fail when ``ZOOM_XBLOCK_REQUIRE_SERVICES=1``. axe-core comes from npm
(``make node-deps``). Screenshots of each state go to ``test-artifacts/screenshots/``.
"""
import importlib
import json
import os
import re
from pathlib import Path

import pytest
from django.urls import clear_url_caches

from tests.conftest import service_missing

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("ZOOM_XBLOCK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE = ROOT / "requirements" / "node" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
BLOCKING_IMPACTS = ("serious", "critical")

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between
# browser steps are ordinary synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless (never a downloaded browser).

    Module-scoped: Playwright's sync API allows one running instance per thread, and other
    modules start their own.
    """
    if not Path(CHROMIUM).exists():
        service_missing(f"Chromium is not installed at {CHROMIUM} (make browser-deps)")
    if not AXE.is_file():
        service_missing(f"axe-core is not installed at {AXE} (make node-deps)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        service_missing("playwright is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def workbench_pages(settings, live_server):
    """The live workbench's pages (with /demo/login-as/) and its scenarios loaded."""
    settings.DEBUG = True  # the project adds /demo/login-as/ to its URLs in DEBUG only
    from tests.project import urls

    importlib.reload(urls)
    clear_url_caches()
    from workbench.scenarios import init_scenarios

    init_scenarios()  # the scenarios' fields live in the (flushed) test database
    yield live_server
    settings.DEBUG = False
    importlib.reload(urls)
    clear_url_caches()


@pytest.fixture
def workbench(workbench_pages, zoom_sandbox):
    """The live workbench, with Zoom = the session's sandbox (webhooks off)."""
    return workbench_pages


def scenario_usage_key(scenario_id: str) -> str:
    """The usage key of a workbench scenario's block (the key of its ZoomSession)."""
    from workbench.scenarios import get_scenarios

    return str(get_scenarios()[scenario_id].usage_id)


@pytest.fixture
def new_context(browser):
    """``new_context(**options)``: a browser context (time zone, locale...), closed afterwards."""
    contexts = []

    def make(**options):
        context = browser.new_context(**{"viewport": {"width": 1100, "height": 900}, **options})
        context.set_default_timeout(15000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def login(page, base_url: str, username: str, next_path: str) -> None:
    """Sign in through the demo's login-as link and land on ``next_path``."""
    page.goto(f"{base_url}/demo/login-as/{username}/?next={next_path}")
    page.wait_for_load_state("networkidle")


def check_accessibility(page, name: str, context: str | None = None) -> list:
    """Run axe-core on the page (or ``context``); fail on any serious or critical violation."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        "async (selector) => await axe.run(selector ? document.querySelector(selector) : document,"
        " {resultTypes: ['violations']})", context)
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]
    report = [{"id": v["id"], "impact": v["impact"], "help": v["help"],
               "nodes": [n["html"][:200] for n in v["nodes"][:5]]} for v in blocking]
    assert not blocking, f"axe: {name}: " + json.dumps(report, indent=1)
    return results["violations"]


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / (re.sub(r"[^a-z0-9_-]+", "-", name.lower()) + ".png")
    page.screenshot(path=str(path), full_page=True)
    return path
