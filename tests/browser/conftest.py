"""Browser tests: Python Playwright driving Debian's Chromium (/usr/bin/chromium) against
pytest-django's live server. `playwright install` is never needed (nor possible offline)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's async-safety check would
# refuse the ORM calls the test makes around it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("QLVB_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# Per module, not per session: Playwright's sync API keeps an event loop running in this thread
# while it is open, and pytest-django runs the database-free tests after the browser tests, where
# pyHanko's own asyncio.run() would then refuse to start.
@pytest.fixture(scope="module")
def chromium_browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip(f"Chromium not installed at {CHROMIUM} (Debian package `chromium`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium_browser, live_server, settings):
    # The live server speaks plain HTTP: cookies must not require HTTPS there.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = chromium_browser.new_context(
        base_url=live_server.url,
        locale="vi-VN",
        viewport={"width": 1366, "height": 900},
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(autouse=True)
def document_types(transactional_db):
    # A transactional test flushes every table, data migrations' rows included: put the ND30
    # document types back so each browser test starts from a migrated database.
    from qlvb.documents.defaults import ensure_document_types

    ensure_document_types()
