"""Every public and desk page, on a phone and on a desktop: no serious or critical
axe-core violations, one h1, a <main>, a skip link that leads to it, and a
focus ring you can see."""

import pytest

from incidents.services import Change, followup_add, incident_create
from incidents.services import posts as post_services
from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser

SCREENS = ("phone", "desktop")


@pytest.fixture
def site(officer, supervisor, precinct_a, category, incident):
    """A precinct with a published post, a post waiting for review and a draft that the checker flags."""
    entry = followup_add(
        acting_user=officer,
        incident=incident,
        expected_version=incident.version,
        change=Change(to_status="resolved", outcome="warning", public_note="Officers asked the host to turn it down."),
    )
    published = post_services.post_submit(acting_user=officer, post=entry.drafted_post)
    published = post_services.post_approve(acting_user=supervisor, post=published)

    waiting = incident_create(
        acting_user=officer,
        precinct=precinct_a,
        category=category,
        public_summary="Car alarm going off every few minutes",
        public_location="400 block of Elm St",
    )
    entry = followup_add(
        acting_user=officer,
        incident=waiting,
        expected_version=waiting.version,
        change=Change(to_status="resolved", outcome="fixed"),
    )
    in_review = post_services.post_submit(acting_user=officer, post=entry.drafted_post)
    draft = post_services.post_draft_update(
        acting_user=officer,
        incident=waiting,
        body="Officers are on Elm St. At 23:00 the owner was called on 212-555-0188 and the alarm was stopped.",
    )
    return {
        "urls": {
            # public
            "home": ("/", None, 200),
            "timeline": (f"/precincts/{precinct_a.slug}/", None, 200),
            "stats": (f"/precincts/{precinct_a.slug}/stats/", None, 200),
            "post": (f"/posts/{published.pk}/", None, 200),
            "report": (f"/reports/{incident.reference}/", None, 200),
            "report-not-found": ("/reports/ZZZZZZZZ/", None, 404),
            "404": ("/no-such-page/", None, 404),
            "login": ("/accounts/login/", None, 200),
            # desk
            "desk-list": ("/desk/", officer, 200),
            "log-a-report": ("/desk/incidents/new/", officer, 200),
            "incident": (f"/desk/incidents/{incident.reference}/", officer, 200),
            "post-author": (f"/desk/posts/{draft.pk}/", officer, 200),
            "post-reviewer": (f"/desk/posts/{in_review.pk}/", supervisor, 200),
            "post-list": ("/desk/posts/", officer, 200),
            "review-queue": ("/desk/review/", supervisor, 200),
            "alert": ("/desk/alerts/new/", supervisor, 200),
            "hold": (f"/desk/precincts/{precinct_a.slug}/hold/", supervisor, 200),
            "update-post": (f"/desk/incidents/{waiting.reference}/posts/new/", officer, 200),
        },
    }


PUBLIC_PAGES = ["home", "timeline", "stats", "post", "report", "report-not-found", "404", "login"]
DESK_PAGES = [
    "desk-list",
    "log-a-report",
    "incident",
    "post-author",
    "post-reviewer",
    "post-list",
    "review-queue",
    "alert",
    "hold",
    "update-post",
]

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName, id: el.id, href: el.getAttribute("href"), text: (el.textContent || "").trim().slice(0, 60),
    outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0,
  };
}"""


def open_page(shared_page, site, name, screen):
    url, user, status = site["urls"][name]
    page = shared_page(screen, user=user)
    response = page.goto(url)
    assert response.status == status, f"{url} answered {response.status}"
    if user is not None:
        assert "/accounts/login/" not in page.url
    return page


def assert_structure(page):
    """One h1, one <main>, a skip link first in the tab order that moves focus to main, visible focus."""
    headings = page.locator("h1").all_inner_texts()
    assert len(headings) == 1, f"h1 elements: {headings}"
    assert page.locator("main").count() == 1

    page.keyboard.press("Tab")
    skip = page.evaluate(FOCUSED)
    assert skip["tag"] == "A" and skip["text"] == "Skip to main content", f"first focusable: {skip}"
    main_id = page.locator("main").get_attribute("id")
    assert skip["href"] == f"#{main_id}"
    assert skip["outlineStyle"] != "none" and skip["outlineWidth"] > 0, f"no visible focus on the skip link: {skip}"

    page.keyboard.press("Enter")
    landed = page.evaluate(FOCUSED)
    assert (landed["tag"], landed["id"]) == ("MAIN", main_id), f"the skip link left focus on {landed}"

    # The next Tab reaches the first control inside main: it shows where focus is too.
    page.keyboard.press("Tab")
    inside = page.evaluate(FOCUSED)
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)"), inside
    assert inside["outlineStyle"] != "none" and inside["outlineWidth"] > 0, f"no visible focus on {inside}"


@pytest.mark.parametrize(
    ("name", "screen"),
    [pytest.param(name, screen) for name in PUBLIC_PAGES for screen in SCREENS],
)
def test_public_pages_are_accessible(shared_page, site, name, screen):
    page = open_page(shared_page, site, name, screen)
    assert_structure(page)
    assert axe_violations(page) == []


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("name", DESK_PAGES)
def test_desk_pages_are_accessible(shared_page, site, name, screen):
    page = open_page(shared_page, site, name, screen)
    assert_structure(page)
    assert axe_violations(page) == []
