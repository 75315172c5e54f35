"""/api/docs/ renders in a real Chromium under the site's Content-Security-Policy, with no CSP violation."""

import os
import shutil
from pathlib import Path

import pytest

from tests.support import require_service

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The live server runs in a thread; Playwright's sync API keeps an event loop in this one.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# No network but loopback: nothing may come from a CDN.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"]
ARGS += ["--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def chromium():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - requirements-dev installs it
        sync_playwright = None
    require_service(sync_playwright is not None, "needs the playwright package")
    require_service(Path(CHROMIUM).exists() or shutil.which("chromium") is not None, f"needs Chromium at {CHROMIUM}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


def test_the_api_docs_render_under_the_csp_from_local_files(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url)  # the page's own CSP applies (no bypass)
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems, outside = [], []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )

    response = page.goto("/api/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".swagger-ui .info .title")
    assert "OpenBlotter API" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() > 25, "every operation is listed"
    assert page.locator(".opblock-tag", has_text="public").count() == 1

    assert not [p for p in problems if "CSP" in p or "Content Security Policy" in p], problems
    assert not problems, problems
    assert not [u for u in outside if not u.startswith(("data:", "blob:"))], outside
    context.close()
