"""Browser tests: Playwright for Python driving the system Chromium, headless,
against Django's live server. Locally they skip when Chromium is missing;
with REQUIRE_SERVICES=1 they fail instead."""

import os
import shutil
from pathlib import Path

import pytest

from tests.support import require_service

# axe-core is injected as an inline script, so contexts bypass the page CSP.
# Playwright's sync API runs an event loop in this thread; the test's own ORM
# calls are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
# Flags that keep Chromium off the network: nothing outside loopback is reachable.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - requirements-dev installs it
        sync_playwright = None
    require_service(sync_playwright is not None, "needs the playwright package")
    require_service(
        Path(CHROMIUM).exists() or shutil.which("chromium") is not None,
        f"needs Chromium at {CHROMIUM} (apt-get install -y chromium)",
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


DESKTOP = {"width": 1280, "height": 900}
# Keyword arguments of browser.new_context() for each screen size.
SCREENS = {
    "phone": {"viewport": PHONE, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": DESKTOP},
}


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(**SCREENS["phone"], base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def desktop_page(browser, live_server):
    context = browser.new_context(**SCREENS["desktop"], base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open more pages, each in its own context (its own cookies): `new_page("phone", user=officer)`.

    `user` signs the context in without the login form (see `log_in`); other
    keyword arguments go to `browser.new_context()`, e.g. `java_script_enabled=False`.
    """
    contexts = []

    def open_page(screen="desktop", *, user=None, **options):
        context = browser.new_context(**SCREENS[screen], base_url=live_server.url, bypass_csp=True, **options)
        contexts.append(context)
        if user is not None:
            log_in(context, user, live_server.url)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def _shared_pages(browser, live_server):
    """One page per screen size for the whole run, with axe-core loaded into every document.

    Opening a page costs a new renderer process (~0.8 s on these machines);
    navigating an open one costs a fraction of that.
    """
    pages = {}
    for screen, options in SCREENS.items():
        context = browser.new_context(**options, base_url=live_server.url, bypass_csp=True)
        context.add_init_script(path=str(AXE))
        pages[screen] = context.new_page()
        pages[screen].set_default_timeout(10_000)
    yield pages
    for page in pages.values():
        page.context.close()


@pytest.fixture
def shared_page(_shared_pages, live_server):
    """`shared_page("phone", user=officer)`: the run's page of that size, with only that user's session.

    For tests that look at one page at a time (accessibility); journeys open their own pages.
    """

    def page_for(screen="desktop", *, user=None):
        page = _shared_pages[screen]
        page.context.clear_cookies()
        if user is not None:
            log_in(page.context, user, live_server.url)
        return page

    return page_for


def axe_violations(page, *, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core on the page; return the violations of the given impacts."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    # Only violations are needed: axe then skips collecting every passing node, which halves its time.
    violations = page.evaluate("async () => (await axe.run({resultTypes: ['violations']})).violations")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [(n["target"], n["html"][:200]) for n in v["nodes"]][:5]}
        for v in violations
        if v["impact"] in impacts
    ]


def log_in(context, user, base_url: str) -> None:
    """Give a browser context a signed-in session for `user`, skipping the login form.

    Journeys sign in through the form (`sign_in`); page-by-page checks use this
    to stay fast.
    """
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user, backend="precincts.backends.StaffBackend")
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url}])


def sign_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
