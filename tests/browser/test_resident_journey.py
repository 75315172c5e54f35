"""A resident, on a phone and signed out, finds out what happened to a report."""

import re

import pytest
from playwright.sync_api import expect

from incidents.services import Change, followup_add
from incidents.services import posts as post_services

pytestmark = pytest.mark.browser

PUBLIC_NOTE = "Officers asked the host to turn the music down."


@pytest.fixture
def published(officer, supervisor, incident):
    """The report resolved with a warning, and its drafted post approved by the supervisor."""
    entry = followup_add(
        acting_user=officer,
        incident=incident,
        expected_version=incident.version,
        change=Change(to_status="resolved", outcome="warning", public_note=PUBLIC_NOTE),
    )
    post = post_services.post_submit(acting_user=officer, post=entry.drafted_post)
    return post_services.post_approve(acting_user=supervisor, post=post)


def atom_link(page) -> str:
    return page.locator('head link[rel="alternate"][type="application/atom+xml"]').first.get_attribute("href")


def assert_is_feed_with(page, href, post):
    """The address answers with an Atom or RSS feed that has the post in it."""
    response = page.request.get(href)
    assert response.status == 200
    kind = response.headers["content-type"].split(";")[0]
    assert kind in ("application/atom+xml", "application/rss+xml"), kind
    text = response.text()
    assert ("<feed" in text or "<rss" in text) and f"/posts/{post.pk}/" in text


def test_a_resident_follows_a_post_to_its_report_and_looks_a_report_up(phone_page, precinct_a, incident, published):
    page = phone_page
    page.goto("/")
    page.get_by_role("region", name="Precincts").get_by_role("link", name=precinct_a.name).click()
    page.wait_for_url(f"**/precincts/{precinct_a.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(precinct_a.name)

    # The post is on the timeline; its time links to its permalink.
    card = page.locator("article.public-post").filter(has_text=published.body)
    expect(card).to_be_visible()
    card.locator(f'a[href="/posts/{published.pk}/"]').click()
    page.wait_for_url(f"**/posts/{published.pk}/")
    expect(page.locator(".public-post__body")).to_have_text(published.body)

    # From the post to the report's public page.
    page.get_by_role("link", name=re.compile(f"Report {incident.reference}: see its status")).click()
    page.wait_for_url(f"**/reports/{incident.reference}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Report {incident.reference}")
    expect(page.get_by_role("region", name="Resolved")).to_contain_text("200 block of Main St")
    expect(page.get_by_role("region", name="Updates")).to_contain_text(PUBLIC_NOTE)
    expect(page.get_by_role("region", name="Posts about this report")).to_contain_text(published.body)
    for private in ("Maria Gonzalez", "555-0142", "234 Main St", "Dmitri Volkov", "neighbour"):
        expect(page.locator("body")).not_to_contain_text(private)

    # Feed readers find the feed the page announces, and it answers with the post.
    assert_is_feed_with(page, atom_link(page), published)

    # Back home, the look-up box forgives lower case and a space.
    page.goto("/")
    typed = f"{incident.reference[:4].lower()} {incident.reference[4:].lower()}"
    # Enter sends it: on a phone the "Look up" button has no visible text (see test_accessibility.py).
    page.get_by_label("Look up a report by its reference").fill(typed)
    page.get_by_label("Look up a report by its reference").press("Enter")
    page.wait_for_url(f"**/reports/{incident.reference}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Report {incident.reference}")


def test_a_reference_that_does_not_exist_gets_a_friendly_page(shared_page, published):
    page = shared_page("phone")
    page.goto("/")
    page.get_by_label("Look up a report by its reference").fill("zzzz zzzz")
    page.get_by_label("Look up a report by its reference").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("We can’t find that report")
    expect(page.get_by_label("Look up a report by its reference")).to_have_value("ZZZZZZZZ")


def test_a_report_page_shows_a_feed_link_a_resident_can_follow(shared_page, incident, published):
    page = shared_page("phone")
    page.goto(f"/reports/{incident.reference}/")
    link = page.locator("main").get_by_role("link", name=re.compile(r"\bfeed\b", re.I)).first
    expect(link).to_be_visible(timeout=2_000)
    assert_is_feed_with(page, link.get_attribute("href"), published)
