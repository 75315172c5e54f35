"""RSS 2.0 and Atom 1.0 feeds, read by an independent parser (feedparser) and checked
element by element against what the two formats require."""

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import feedparser
import pytest
from django.utils import timezone

from incidents.models import Post
from tests.factories import MembershipFactory
from tests.public.helpers import log_report, publish, publish_update, resolve, retract

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
FEEDS = {
    "/precincts/precinct-a/feed.rss": "rss20",
    "/precincts/precinct-a/feed.atom": "atom10",
    "/feed.rss": "rss20",
    "/feed.atom": "atom10",
}


@pytest.fixture
def posts(officer, supervisor, outsider, precinct_b, category, incident):
    """Two posts in precinct A (one about a report, one an alert) and one in precinct B."""
    about = publish(officer, supervisor, resolve(officer, incident, public_note="Officers spoke with the host."))
    from incidents.services import posts as post_services

    alert = post_services.post_create_alert(
        acting_user=supervisor,
        precinct=incident.precinct,
        body="Main St is closed between 1st and 3rd Ave until noon. Please use Oak Ave.",
        publish_now=True,
    )
    other_supervisor = MembershipFactory(precinct=precinct_b, role="supervisor").user
    elsewhere = publish(outsider, other_supervisor, resolve(outsider, log_report(outsider, precinct_b, category)))
    # Published at different times, an hour apart, so the order is plain.
    for hours, post in enumerate((about, alert, elsewhere)):
        Post.objects.filter(pk=post.pk).update(published_at=timezone.now() - timedelta(hours=hours + 1))
    return {"about": about, "alert": alert, "elsewhere": elsewhere}


def xml_root(response) -> ET.Element:
    return ET.fromstring(response.content)  # noqa: S314 - our own test server's response


def fetch(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def parse(client, url):
    response = fetch(client, url)
    parsed = feedparser.parse(response.content, response_headers={"content-type": response["Content-Type"]})
    assert not parsed.bozo, f"{url}: {parsed.get('bozo_exception')}"
    return parsed


@pytest.mark.parametrize("url", FEEDS)
def test_it_serves_a_well_formed_feed_of_the_right_version(client, posts, url):
    parsed = parse(client, url)
    assert parsed.version == FEEDS[url]
    expected_type = "application/rss+xml" if FEEDS[url] == "rss20" else "application/atom+xml"
    assert fetch(client, url)["Content-Type"].startswith(expected_type)
    assert parsed.feed.title
    assert parsed.feed.link.startswith("http://testserver/")
    for entry in parsed.entries:
        assert entry.id
        assert entry.title
        assert urlsplit(entry.link).path.startswith("/posts/")
        assert entry.published_parsed


def test_it_lists_a_precincts_posts_newest_first_and_only_its_own(client, posts):
    parsed = parse(client, "/precincts/precinct-a/feed.atom")
    paths = [urlsplit(entry.link).path for entry in parsed.entries]
    assert paths == [f"/posts/{posts['about'].pk}/", f"/posts/{posts['alert'].pk}/"]
    about = parsed.entries[0]
    assert about.title == "Noise — Precinct A"
    assert posts["about"].body in about.summary
    assert [tag.term for tag in about.tags] == ["Noise"]
    assert parsed.entries[1].title == "Alert — Precinct A"


def test_it_lists_every_precincts_posts_city_wide(client, posts):
    for url in ("/feed.atom", "/feed.rss"):
        paths = [urlsplit(entry.link).path for entry in parse(client, url).entries]
        assert paths == [f"/posts/{posts[k].pk}/" for k in ("about", "alert", "elsewhere")], url


def test_it_leaves_unpublished_posts_out_of_the_feeds(client, officer, posts, incident):
    from incidents.services import posts as post_services

    draft = post_services.post_draft_update(acting_user=officer, incident=incident, body="A draft nobody may read.")
    for url in FEEDS:
        assert draft.body not in fetch(client, url).content.decode()


@pytest.mark.parametrize("url", FEEDS)
def test_it_keeps_entry_ids_stable_across_fetches(client, posts, url):
    first = [entry.id for entry in parse(client, url).entries]
    second = [entry.id for entry in parse(client, url).entries]
    assert first == second
    assert len(set(first)) == len(first)


@pytest.mark.parametrize("url", ["/precincts/precinct-a/feed.atom", "/feed.atom"])
def test_it_updates_the_entry_of_a_withdrawn_post_in_place(client, supervisor, posts, url):
    post = posts["about"]
    before = {e.link: e for e in parse(client, url).entries}
    entry = before[f"http://testserver/posts/{post.pk}/"]
    feed_updated = _atom_time(fetch(client, url))

    retract(supervisor, post, reason="It named the wrong street.")

    after = {e.link: e for e in parse(client, url).entries}
    assert after.keys() == before.keys(), "the withdrawn post stays in the feed"
    withdrawn = after[entry.link]
    assert withdrawn.id == entry.id
    assert withdrawn.title.startswith("Withdrawn")
    assert "It named the wrong street." in withdrawn.summary
    assert datetime.fromisoformat(withdrawn.updated) > datetime.fromisoformat(entry.updated)
    assert withdrawn.published == entry.published
    assert _atom_time(fetch(client, url)) > feed_updated


@pytest.mark.parametrize("url", ["/precincts/precinct-a/feed.rss", "/feed.rss"])
def test_it_keeps_the_guid_and_retitles_a_withdrawn_post_in_rss(client, supervisor, posts, url):
    before = {e.link: e for e in parse(client, url).entries}
    retract(supervisor, posts["about"], reason="It named the wrong street.")
    after = {e.link: e for e in parse(client, url).entries}
    link = f"http://testserver/posts/{posts['about'].pk}/"
    assert after[link].id == before[link].id
    assert after[link].title.startswith("Withdrawn")
    assert "It named the wrong street." in after[link].summary


def _atom_time(response):
    root = xml_root(response)
    return datetime.fromisoformat(root.find(f"{ATOM}updated").text)


# --- what each format requires -------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/precincts/precinct-a/feed.atom", "/feed.atom"])
def test_it_gives_every_required_atom_element(client, posts, url):
    root = xml_root(fetch(client, url))
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert (root.findtext(f"{ATOM}{name}") or "").strip(), f"feed has no {name}"
    datetime.fromisoformat(root.findtext(f"{ATOM}updated"))
    self_links = [link for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert [urlsplit(link.get("href")).path for link in self_links] == [url]
    feed_has_author = root.find(f"{ATOM}author/{ATOM}name") is not None
    entries = root.findall(f"{ATOM}entry")
    assert entries
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert (entry.findtext(f"{ATOM}{name}") or "").strip(), f"entry has no {name}"
        datetime.fromisoformat(entry.findtext(f"{ATOM}updated"))
        # RFC 4287 §4.1.1: an entry without its own author takes the feed's.
        assert feed_has_author or entry.find(f"{ATOM}author/{ATOM}name") is not None
        assert entry.find(f"{ATOM}link[@rel='alternate']") is not None
        assert entry.find(f"{ATOM}summary") is not None or entry.find(f"{ATOM}content") is not None


@pytest.mark.parametrize("url", ["/precincts/precinct-a/feed.rss", "/feed.rss"])
def test_it_gives_every_required_rss_element(client, posts, url):
    root = xml_root(fetch(client, url))
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    for name in ("title", "link", "description"):
        assert (channel.findtext(name) or "").strip(), f"channel has no {name}"
    items = channel.findall("item")
    assert items
    for item in items:
        assert (item.findtext("title") or item.findtext("description") or "").strip()
        assert (item.findtext("guid") or "").strip()
        assert re.match(
            r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$", item.findtext("pubDate")
        )


@pytest.mark.parametrize("url", ["/precincts/precinct-a/feed.atom", "/feed.atom"])
def test_it_gives_atom_entries_absolute_ids(client, posts, url):
    root = xml_root(fetch(client, url))
    for entry in root.findall(f"{ATOM}entry"):
        assert urlsplit(entry.findtext(f"{ATOM}id")).scheme, entry.findtext(f"{ATOM}id")


@pytest.mark.parametrize("url", ["/precincts/precinct-a/feed.rss", "/feed.rss"])
def test_it_gives_rss_items_guids_that_are_full_urls_or_marked_not_permalinks(client, posts, url):
    root = xml_root(fetch(client, url))
    for item in root.find("channel").findall("item"):
        guid = item.find("guid")
        assert guid.get("isPermaLink") == "false" or urlsplit(guid.text).scheme, guid.text


def test_it_answers_404_for_the_feeds_of_an_unknown_precinct(client, db):
    for url in ("/precincts/nowhere/feed.rss", "/precincts/nowhere/feed.atom"):
        assert client.get(url).status_code == 404


def test_it_shows_the_latest_thirty_posts_in_a_feed(client, officer, precinct_a, incident, supervisor):
    from tests.public.helpers import bulk_posts

    posts = bulk_posts(precinct=precinct_a, author=officer, count=40)
    for url in FEEDS:
        parsed = parse(client, url)
        assert [urlsplit(e.link).path for e in parsed.entries] == [f"/posts/{p.pk}/" for p in reversed(posts)][:30]


def test_it_escapes_text_that_looks_like_markup(client, officer, supervisor, incident):
    body = 'Officers said "quiet <b>now</b> & later" to the host.'
    publish_update(officer, supervisor, incident, body)
    for url in FEEDS:
        parse(client, url)  # still well formed
