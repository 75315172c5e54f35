"""What the feeds write: text that looks like markup or holds control characters comes through as text
in well-formed XML, withdrawn posts are retitled and dated in both formats, and a feed reads public
fields only, in two queries."""

import calendar
import email.utils
import html
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import feedparser
import pytest
from django.core.cache import cache
from django.utils import timezone

from incidents import feeds, public
from incidents.models import Post
from precincts.models import Precinct
from tests.factories import CategoryFactory, MembershipFactory
from tests.public.helpers import log_report, publish, publish_update, resolve, retract

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
PRECINCT_FEEDS = ("/precincts/precinct-a/feed.atom", "/precincts/precinct-a/feed.rss")
FEEDS = (*PRECINCT_FEEDS, "/feed.atom", "/feed.rss")
MARKUP = """Officers said "it's <b>quiet</b> now" & left; 5 < 6 > 4."""
# Control characters XML 1.0 cannot carry, between the ones it can (tab, newline).
CONTROLS = "Officers\x01 left\x08 at\x0b noon\x0c.\x1b\tThen\x1f they\ufffe went\nhome."
WITHOUT_CONTROLS = "Officers left at noon.\tThen they went\nhome."


def get_feed(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200, url
    root = ET.fromstring(response.content)  # noqa: S314 - our own test server's response; raises if malformed
    parsed = feedparser.parse(response.content, response_headers={"content-type": response["Content-Type"]})
    assert not parsed.bozo, f"{url}: {parsed.get('bozo_exception')}"
    return response, root, parsed


def entries_by_link(client, url) -> dict:
    return {entry.link: entry for entry in get_feed(client, url)[2].entries}


def entry_text(url, entry) -> str:
    """The post's text as a reader shows it: Atom summaries are text, RSS descriptions HTML."""
    if url.endswith(".atom"):
        assert entry.summary_detail.type == "text/plain"
        return entry.summary
    return html.unescape(entry.summary)


def permalink(post) -> str:
    return f"http://testserver/posts/{post.pk}/"


# --- text -------------------------------------------------------------------------------------------


def test_it_shows_markup_quotes_and_ampersands_in_a_body_as_typed(client, officer, supervisor, incident):
    post = publish_update(officer, supervisor, incident, MARKUP)
    for url in FEEDS:
        entry = entries_by_link(client, url)[permalink(post)]
        assert entry_text(url, entry) == MARKUP, url


def test_it_escapes_a_description_for_html_and_then_for_xml_in_rss(client, officer, supervisor, incident):
    post = publish_update(officer, supervisor, incident, MARKUP)
    response, root, _ = get_feed(client, "/precincts/precinct-a/feed.rss")
    [item] = [item for item in root.iter("item") if item.findtext("link") == permalink(post)]
    # A reader that renders the description as HTML shows the tags as text, not as bold.
    assert item.findtext("description") == html.escape(MARKUP)
    assert b"&amp;lt;b&amp;gt;quiet" in response.content


def test_it_shows_markup_in_a_withdrawal_reason_as_typed(client, officer, supervisor, incident):
    post = publish_update(officer, supervisor, incident, "Officers spoke with the host.")
    reason = 'It named the wrong street: "Main & 1st" <not Oak>.'
    retract(supervisor, post, reason=reason)
    for url in FEEDS:
        entry = entries_by_link(client, url)[permalink(post)]
        assert f": {reason}\n\nOriginal post: Officers spoke with the host." in entry_text(url, entry), url


def test_it_escapes_precinct_and_category_names(client, officer, supervisor, precinct_a):
    Precinct.objects.filter(pk=precinct_a.pk).update(name="St. Mary's & <Harbor>")
    precinct_a.refresh_from_db()
    category = CategoryFactory(name='Noise & "Nuisance" <loud>', slug="noise-nuisance")
    post = publish_update(officer, supervisor, log_report(officer, precinct_a, category), "Officers went by.")
    for url in FEEDS:
        _, root, parsed = get_feed(client, url)
        entry = {e.link: e for e in parsed.entries}[permalink(post)]
        assert entry.title == """Noise & "Nuisance" <loud> — St. Mary's & <Harbor>""", url
        assert [tag.term for tag in entry.tags] == ['Noise & "Nuisance" <loud>'], url
        assert entry.author == "St. Mary's & <Harbor>", url
        if url.startswith("/precincts/"):
            assert parsed.feed.title == "St. Mary's & <Harbor> — how reports were followed up", url


def test_it_drops_control_characters_that_xml_cannot_carry(client, officer, supervisor, incident):
    post = publish_update(officer, supervisor, incident, "Officers spoke with the host.")
    retract(supervisor, post, reason="Wrong street.")
    Post.objects.filter(pk=post.pk).update(body=CONTROLS, retraction_reason=f"Wrong\x02 street\x1e{CONTROLS}")
    for url in FEEDS:
        response, _, parsed = get_feed(client, url)  # well formed, though the text had them
        for character in "\x01\x02\x08\x0b\x0c\x1b\x1e\x1f\ufffe":
            assert character.encode() not in response.content, (url, character)
        text = entry_text(url, {e.link: e for e in parsed.entries}[permalink(post)])
        assert text.endswith(f": Wrong street{WITHOUT_CONTROLS}\n\nOriginal post: {WITHOUT_CONTROLS}"), url


def test_it_drops_what_xml_cannot_carry_and_escapes_the_rest():
    assert feeds.xml_escape("a\x00b\x1fc\ud800d\uffffe") == "abcde"
    assert feeds.xml_escape("tab\tnewline\nreturn\r") == "tab\tnewline\nreturn\r"
    assert feeds.xml_escape("""<a href="x">'&'</a>""") == "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;"
    assert feeds.xml_escape("Noise — Precinct A") == "Noise — Precinct A"


# --- withdrawn posts --------------------------------------------------------------------------------


def test_it_retitles_a_withdrawn_post_and_dates_the_change_in_both_formats(
    client, officer, supervisor, precinct_a, incident
):
    post = publish_update(officer, supervisor, incident, "Officers spoke with the host.")
    post = retract(supervisor, post, reason="It named the wrong street.")
    when = timezone.localtime(post.retracted_at, ZoneInfo(precinct_a.timezone))
    notice = f"Withdrawn on {when:%B} {when.day}, {when.year}: It named the wrong street."

    for url in FEEDS:
        entry = entries_by_link(client, url)[permalink(post)]
        assert entry.title == "Withdrawn: Noise — Precinct A", url
        assert entry_text(url, entry) == f"{notice}\n\nOriginal post: Officers spoke with the host.", url
        assert entry.id == permalink(post), "the id stays the permalink"
        assert calendar.timegm(entry.published_parsed) == int(post.published_at.timestamp()), url

    _, root, _ = get_feed(client, "/precincts/precinct-a/feed.atom")
    [atom_entry] = root.findall(f"{ATOM}entry")
    assert datetime.fromisoformat(atom_entry.findtext(f"{ATOM}updated")) == post.retracted_at
    assert datetime.fromisoformat(atom_entry.findtext(f"{ATOM}published")) == post.published_at
    assert datetime.fromisoformat(root.findtext(f"{ATOM}updated")) == post.retracted_at, "the feed changed then"
    _, root, _ = get_feed(client, "/precincts/precinct-a/feed.rss")
    build_date = email.utils.parsedate_to_datetime(root.find("channel").findtext("lastBuildDate"))
    assert build_date == post.retracted_at.replace(microsecond=0)


# --- links, dates, empty feeds ----------------------------------------------------------------------


def test_it_links_over_https_when_the_request_came_over_https(client, officer, supervisor, incident):
    post = publish_update(officer, supervisor, incident, "Officers spoke with the host.")
    for url in FEEDS:
        _, _, parsed = get_feed(client, url, secure=True)
        assert parsed.feed.link.startswith("https://testserver/"), url
        assert [entry.link for entry in parsed.entries] == [f"https://testserver/posts/{post.pk}/"], url


def test_it_lists_each_precincts_own_posts(client, officer, supervisor, outsider, incident, precinct_b, category):
    mine = publish_update(officer, supervisor, incident, "Officers spoke with the host.")
    other_supervisor = MembershipFactory(precinct=precinct_b, role="supervisor").user
    theirs = publish(outsider, other_supervisor, resolve(outsider, log_report(outsider, precinct_b, category)))
    for slug, post in (("precinct-a", mine), ("precinct-b", theirs), ("precinct-a", mine)):
        for fmt in ("atom", "rss"):
            links = list(entries_by_link(client, f"/precincts/{slug}/feed.{fmt}"))
            assert links == [permalink(post)], (slug, fmt)


def test_it_serves_a_valid_empty_feed_for_a_precinct_without_posts(client, precinct_b):
    _, root, parsed = get_feed(client, "/precincts/precinct-b/feed.atom")
    assert parsed.entries == []
    assert datetime.fromisoformat(root.findtext(f"{ATOM}updated"))
    _, root, parsed = get_feed(client, "/precincts/precinct-b/feed.rss")
    assert parsed.entries == []
    assert email.utils.parsedate_to_datetime(root.find("channel").findtext("lastBuildDate"))


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 1, 5, 3, 4, 5, 678901, tzinfo=UTC),
        datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC),
        datetime(2026, 3, 8, 1, 2, 3, tzinfo=ZoneInfo("America/Chicago")),
    ],
)
def test_it_writes_rss_dates_as_the_standard_library_does_in_utc(moment):
    assert feeds.rfc2822(moment) == email.utils.format_datetime(moment.astimezone(UTC))


# --- public fields, queries -------------------------------------------------------------------------


def test_it_reads_public_fields_only():
    assert set(feeds.POST_FIELDS) <= set(public.POST_FIELDS)
    assert set(public.PRECINCT_ROW_FIELDS) - {"pk"} <= set(public.PRECINCT_FIELDS)


@pytest.mark.parametrize("url", FEEDS)
def test_it_builds_a_feed_with_two_queries(client, officer, supervisor, incident, django_assert_num_queries, url):
    publish_update(officer, supervisor, incident, "Officers spoke with the host.")
    client.get(url)  # the reads are compiled once, on first use
    cache.clear()
    with django_assert_num_queries(2):
        assert client.get(url).status_code == 200
