"""Browser tests: Debian's Chromium driven by Playwright against a live server.

Skipped with a message when Chromium is missing, except where PBUDGET_REQUIRE_BROWSER is
set (CI), where a missing browser is an error.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("PBUDGET_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
A11Y_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Playwright's sync API runs an event loop in this thread; Django's ORM is still used
# synchronously from the test body and the live server.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


def pytest_collection_modifyitems(config, items):
    if _chromium_available():
        return
    if os.environ.get("PBUDGET_REQUIRE_BROWSER"):
        raise pytest.UsageError(
            f"PBUDGET_REQUIRE_BROWSER is set but Chromium is missing at {CHROMIUM}: "
            "install it with `apt-get install chromium chromium-driver`."
        )
    skip = pytest.mark.skip(
        reason=f"Chromium not found at {CHROMIUM}: install Debian's chromium to run browser tests"
    )
    for item in items:
        if "e2e" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            headless=True,
            args=CHROMIUM_ARGS,
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def sign_in_as(live_server):
    """Put a signed-in session cookie (with second factor for staff) into a page."""
    from tests.factories import session_cookie_for

    def _sign_in(page, user, *, mfa: bool = True):
        name, value = session_cookie_for(user, mfa=mfa)
        page.context.add_cookies([{"name": name, "value": value, "url": live_server.url}])
        return page

    return _sign_in


@pytest.fixture
def axe_check():
    """Run axe-core on a page and fail with a readable report on any WCAG 2.1 A/AA issue."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def _check(page):
        results = axe.run(
            page,
            options={
                "runOnly": {"type": "tag", "values": A11Y_TAGS},
                "resultTypes": ["violations"],
            },
        )
        assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"
        return results

    return _check
