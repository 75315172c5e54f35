"""The public pages, as an anonymous resident sees them."""

import base64
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from incidents.models import Post, Status
from incidents.services import posts as post_services
from precincts.models import Precinct
from tests.factories import CategoryFactory, IncidentFactory, MembershipFactory, PrecinctFactory
from tests.public.helpers import (
    bulk_posts,
    follow_up,
    log_report,
    older_link,
    parse_html,
    post_ids_on,
    publish,
    publish_update,
    resolve,
    retract,
)

pytestmark = pytest.mark.django_db

PUBLIC_NOTE = "Officers asked the host to turn the music down."
LOOKUP_BOX = 'action="/reports/"'


@pytest.fixture
def published(officer, supervisor, incident):
    """The conftest report, resolved with a public note, and its drafted post published."""
    return publish(officer, supervisor, resolve(officer, incident, public_note=PUBLIC_NOTE))


def cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, (url, params, response.status_code)
    return response.content.decode()


def assert_friendly_404(response):
    assert response.status_code == 404
    html = response.content.decode()
    assert "We can’t find that" in html
    assert LOOKUP_BOX in html, "a friendly 404 offers the look-up box"
    assert 'href="/"' in html


# --- home ------------------------------------------------------------------------------------


def test_it_shows_the_precincts_the_latest_posts_and_the_lookup_box_on_home(client, published, precinct_b):
    PrecinctFactory(name="Closed Precinct", slug="closed", code="CL", is_active=False)
    html = page(client, "/")
    assert 'href="/precincts/precinct-a/">Precinct A</a>' in html
    assert 'href="/precincts/precinct-b/">Precinct B</a>' in html
    assert "Closed Precinct" not in html
    assert published.body in html
    assert f'href="/posts/{published.pk}/"' in html
    assert LOOKUP_BOX in html
    alternates = parse_html(html).alternates
    assert {"type": "application/atom+xml", "href": "/feed.atom"}.items() <= alternates[0].items()


def test_it_lists_at_most_ten_latest_posts_on_home_newest_first(client, officer, precinct_a):
    posts = bulk_posts(precinct=precinct_a, author=officer, count=12)
    html = page(client, "/")
    assert post_ids_on(html) == [p.pk for p in reversed(posts)][:10]


# --- timeline --------------------------------------------------------------------------------


def test_it_shows_a_timeline_of_published_posts_with_text_category_times_and_links(
    client, precinct_a, incident, published
):
    html = page(client, "/precincts/precinct-a/")
    assert "<h1>Precinct A</h1>" in html
    assert published.body in html
    assert f'id="post-{published.pk}-label">Noise</span>' in html
    assert f'<a href="/posts/{published.pk}/"><time datetime=' in html
    assert ">now</time>" in html or " ago</time>" in html, "the relative time"
    local = timezone.localtime(published.published_at, precinct_a.tzinfo)
    assert f"({local:%b} {local.day}, {local.year}," in html, "the exact time"
    assert f'href="/reports/{incident.reference}/"' in html
    assert "reports received in the last 30 days" in html
    assert "median time to resolution" in html


def test_it_lists_posts_newest_first(client, officer, supervisor, precinct_a, incident):
    first = publish_update(officer, supervisor, incident, "Officers went to the party and spoke with the host.")
    second = publish_update(officer, supervisor, incident, "Officers came back later and it was quiet.")
    html = page(client, "/precincts/precinct-a/")
    assert post_ids_on(html) == [second.pk, first.pk]


def test_it_leaves_out_other_precincts_and_unpublished_posts(client, officer, supervisor, outsider, incident):
    draft = post_services.post_draft_update(acting_user=officer, incident=incident, body="A draft about the party.")
    other = log_report(outsider, Precinct.objects.get(slug="precinct-b"), incident.category)
    theirs = publish(
        outsider,
        MembershipFactory(precinct=other.precinct, role="supervisor").user,
        resolve(outsider, other),
    )
    html = page(client, "/precincts/precinct-a/")
    assert post_ids_on(html) == []
    assert draft.body not in html
    assert f"/posts/{theirs.pk}/" not in html
    assert "No posts here yet." in html


def test_it_shows_withdrawn_posts_marked_with_the_reason_and_date(client, supervisor, precinct_a, published):
    retract(supervisor, published, reason="It named the wrong street.")
    published.refresh_from_db()
    when = timezone.localtime(published.retracted_at, precinct_a.tzinfo)
    for url in ("/precincts/precinct-a/", f"/posts/{published.pk}/", f"/reports/{published.incident.reference}/"):
        html = page(client, url)
        assert "public-post--withdrawn" in html, url
        assert (
            f"<strong>Withdrawn</strong> on {when:%b} {when.day}, {when.year}: It named the wrong street." in html
        ), url
        assert f"<del>{published.body}</del>" in html, url


def test_it_shows_times_in_the_precincts_time_zone(client, officer, category):
    west = PrecinctFactory(name="Westside", slug="westside", code="WS", timezone="America/Los_Angeles")
    supervisor = MembershipFactory(precinct=west, role="supervisor").user
    MembershipFactory(user=officer, precinct=west)
    incident = log_report(officer, west, category)
    post = publish(officer, supervisor, resolve(officer, incident))
    # 00:30 UTC on Jan 15 is still the afternoon of Jan 14 in Los Angeles.
    Post.objects.filter(pk=post.pk).update(published_at=datetime(2025, 1, 15, 0, 30, tzinfo=UTC))
    for url in ("/precincts/westside/", f"/posts/{post.pk}/"):
        html = page(client, url)
        assert "(Jan 14, 2025, 4:30 p.m. PST)" in html, url
        assert 'datetime="2025-01-14T16:30:00-08:00"' in html, url
    html = page(client, f"/reports/{incident.reference}/")
    assert "Jan 14, 2025, 4:30 p.m. PST" in html


def test_it_visits_every_post_once_newest_first_following_older_posts(client, officer, precinct_a, category):
    start = timezone.now() - timedelta(days=3)
    posts = bulk_posts(precinct=precinct_a, author=officer, count=30, categories=[category], start=start)
    # Fifteen more sharing one published time: the id breaks the tie.
    posts += bulk_posts(
        precinct=precinct_a, author=officer, count=15, start=start + timedelta(hours=1), step=timedelta(0)
    )
    expected = [p.pk for p in sorted(posts, key=lambda p: (p.published_at, p.pk), reverse=True)]

    seen, url, pages = [], "/precincts/precinct-a/", 0
    while url:
        html = page(client, url if url.startswith("/") else "/precincts/precinct-a/" + url)
        seen += post_ids_on(html)
        url = older_link(html)
        pages += 1
        assert pages <= 10, "the pager never ends"
    assert seen == expected
    assert pages == 3


def test_it_keeps_the_category_while_paging(client, officer, precinct_a, category):
    other = CategoryFactory(name="Parking", slug="parking")
    posts = bulk_posts(precinct=precinct_a, author=officer, count=60, categories=[category, other])
    expected = [p.pk for p in reversed(posts) if p.category_id == other.pk]

    seen, url = [], "?category=parking"
    while url:
        html = page(client, "/precincts/precinct-a/" + url)
        seen += post_ids_on(html)
        url = older_link(html)
        assert url is None or "category=parking" in url
    assert seen == expected


def test_it_filters_the_timeline_by_category(client, officer, supervisor, precinct_a, category):
    parking = CategoryFactory(name="Parking", slug="parking")
    noisy = publish(officer, supervisor, resolve(officer, log_report(officer, precinct_a, category)))
    parked = publish(
        officer,
        supervisor,
        resolve(officer, log_report(officer, precinct_a, parking, public_summary="Car across a driveway")),
    )
    html = page(client, "/precincts/precinct-a/", category="parking")
    assert post_ids_on(html) == [parked.pk]
    assert '<option value="parking" selected>Parking</option>' in html
    assert "Posts about parking" in html
    assert post_ids_on(page(client, "/precincts/precinct-a/", category="noise")) == [noisy.pk]
    assert post_ids_on(page(client, "/precincts/precinct-a/")) == [parked.pk, noisy.pk]


MANGLED_CURSORS = [
    "garbage",
    "!!!",
    "%00",
    "x" * 5000,
    cursor("no separator"),
    cursor("2025-01-01T00:00:00|5"),  # no time zone
    cursor("2025-01-01T00:00:00+00:00|five"),
    cursor("2025-01-01T00:00:00+00:00|5|6"),
    cursor("yesterday|5"),
    base64.urlsafe_b64encode(b"\xff\xfe|\x00").decode(),
    pytest.param(cursor("0001-01-01T00:00:00+14:00|1"), id="year-1-east-of-utc"),
    pytest.param(cursor("9999-12-31T23:59:59-14:00|1"), id="year-9999-west-of-utc"),
    pytest.param(cursor("2999-01-01T00:00:00+00:00|99999999999999999999999"), id="id-beyond-bigint"),
]


@pytest.mark.parametrize("before", MANGLED_CURSORS)
def test_it_shows_the_first_page_for_a_mangled_cursor(client, officer, precinct_a, before):
    posts = bulk_posts(precinct=precinct_a, author=officer, count=25)
    response = client.get("/precincts/precinct-a/", {"before": before})
    assert response.status_code == 200
    assert post_ids_on(response.content.decode()) == [p.pk for p in reversed(posts)][:20]


def test_it_answers_a_friendly_404_for_an_unknown_precinct(client, db):
    for url in ("/precincts/nowhere/", "/precincts/nowhere/stats/"):
        assert_friendly_404(client.get(url))
    for url in ("/precincts/nowhere/feed.rss", "/precincts/nowhere/feed.atom"):
        assert client.get(url).status_code == 404


def test_it_hides_everything_of_an_inactive_precinct(client, precinct_a, incident, published):
    Precinct.objects.filter(pk=precinct_a.pk).update(is_active=False)
    for url in ("/precincts/precinct-a/", "/precincts/precinct-a/stats/", f"/posts/{published.pk}/"):
        assert_friendly_404(client.get(url))
    assert_friendly_404(client.get(f"/reports/{incident.reference}/"))
    for url in ("/precincts/precinct-a/feed.rss", "/precincts/precinct-a/feed.atom"):
        assert client.get(url).status_code == 404
    for url in ("/", "/feed.atom", "/feed.rss", "/sitemap-posts.xml", "/sitemap-precincts.xml"):
        body = client.get(url).content.decode()
        assert f"/posts/{published.pk}/" not in body, url
        assert "/precincts/precinct-a/" not in body, url


# --- stats -----------------------------------------------------------------------------------


def test_it_shows_the_numbers_page(client, precinct_a, published):
    html = page(client, "/precincts/precinct-a/stats/")
    assert "<h1>Precinct A in numbers</h1>" in html
    for days in (30, 90, 365):
        assert f"The last {days} days" in html
    for heading in (
        "Received",
        "Closed",
        "Resolved",
        "Median days to first public update",
        "Median days to resolution",
        "Closed reports with a published post",
    ):
        assert f'<th scope="col">{heading}</th>' in html
    assert '<th scope="row">Noise</th>' in html
    assert 'role="img"' in html and "<caption>Weekly numbers</caption>" in html


# --- permalinks ------------------------------------------------------------------------------


def test_it_shows_a_post_on_its_permalink_with_open_graph_and_twitter_meta(client, published):
    html = page(client, f"/posts/{published.pk}/")
    assert published.body in html
    meta = parse_html(html).meta
    assert meta["og:type"] == "article"
    assert meta["og:title"] == "Precinct A — Noise"
    assert meta["og:description"] == published.body
    assert meta["og:url"] == f"http://testserver/posts/{published.pk}/"
    assert meta["twitter:card"] in ("summary", "summary_large_image")
    assert meta["twitter:title"] == "Precinct A — Noise"
    assert meta["twitter:description"] == published.body
    assert datetime.fromisoformat(meta["article:published_time"]) == published.published_at
    alternates = parse_html(html).alternates
    assert any(a["href"] == "/precincts/precinct-a/feed.atom" for a in alternates)


def test_it_says_withdrawn_in_the_meta_of_a_withdrawn_post(client, supervisor, published):
    retract(supervisor, published, reason="It named the wrong street.")
    meta = parse_html(page(client, f"/posts/{published.pk}/")).meta
    assert meta["og:title"].startswith("Withdrawn")
    assert meta["og:description"] == "Withdrawn: It named the wrong street."
    assert meta["twitter:description"] == "Withdrawn: It named the wrong street."


@pytest.fixture
def unpublished(officer, supervisor, precinct_a, category):
    """A post in every state that is not public, each made through the services."""

    def draft(body):
        incident = log_report(officer, precinct_a, category)
        return post_services.post_draft_update(acting_user=officer, incident=incident, body=body)

    posts = {"draft": draft("Officers are looking into the noise.")}
    posts["in_review"] = post_services.post_submit(acting_user=officer, post=draft("Officers went to the party."))
    for state, decide in (
        ("changes_requested", post_services.post_request_changes),
        ("rejected", post_services.post_reject),
    ):
        submitted = post_services.post_submit(acting_user=officer, post=draft(f"A post to be {state}."))
        posts[state] = decide(acting_user=supervisor, post=submitted, reason="Not this one.")
    submitted = post_services.post_submit(acting_user=officer, post=draft("A post for tomorrow morning."))
    posts["approved"] = post_services.post_approve(
        acting_user=supervisor, post=submitted, publish_at=timezone.now() + timedelta(days=1)
    )
    for state, post in posts.items():
        assert post.status == state
    return posts


@pytest.mark.parametrize("state", ["draft", "in_review", "changes_requested", "rejected", "approved"])
def test_it_answers_404_for_a_post_that_is_not_published(client, unpublished, state):
    post = unpublished[state]
    response = client.get(f"/posts/{post.pk}/")
    assert_friendly_404(response)
    assert post.body not in response.content.decode()
    assert f"/posts/{post.pk}/" not in page(client, "/precincts/precinct-a/")


def test_it_answers_404_for_a_post_that_does_not_exist(client, db):
    assert_friendly_404(client.get("/posts/999999/"))


# --- reports ---------------------------------------------------------------------------------


def test_it_shows_a_reports_public_status_notes_and_posts(client, officer, incident, published):
    follow_up(officer, incident, public_note="We will check again on Friday night.")
    html = page(client, f"/reports/{incident.reference}/")
    assert f'Report <span class="desk-ref">{incident.reference}</span>' in html
    assert '<h2 class="usa-summary-box__heading" id="status-heading">Resolved</h2>' in html
    assert "Noise: Loud music from a party late at night" in html
    assert "200 block of Main St" in html
    when = timezone.localtime(incident.reported_at, incident.precinct.tzinfo)
    assert f"{when:%b} {when.day}, {when.year}</time>: {PUBLIC_NOTE}" in html
    assert "We will check again on Friday night." in html
    assert published.body in html
    assert f'href="/posts/{published.pk}/"' in html
    for private in ("Maria Gonzalez", "555-0142", "maria.gonzalez", "234 Main St", "Dmitri", "Caller says"):
        assert private not in html


PLAIN_STATUS = {
    Status.NEW: ("Received", {}),
    Status.INVESTIGATING: ("Officers are looking into it", {}),
    Status.ACTION_SCHEDULED: ("Action planned", {}),
    Status.RESOLVED: ("Resolved", {"outcome": "warning"}),
    Status.REFERRED: ("Passed to another agency", {"referred_to": "the Department of Sanitation"}),
    Status.NO_ACTION: ("No further police action", {"outcome": "unable_to_locate"}),
    Status.DUPLICATE: ("Duplicate report", {}),
}


@pytest.mark.parametrize("status", PLAIN_STATUS)
def test_it_names_the_status_in_plain_words(client, officer, precinct_a, category, incident, status):
    plain, change = PLAIN_STATUS[status]
    report = log_report(officer, precinct_a, category)
    if status == Status.DUPLICATE:
        change = {"duplicate_of_reference": incident.reference}
    if status != Status.NEW:
        follow_up(officer, report, to_status=status, internal_note="Moving it on.", **change)
    html = page(client, f"/reports/{report.reference}/")
    assert f'id="status-heading">{plain}</h2>' in html
    assert f">{status}<" not in html


@pytest.mark.parametrize(
    ("typed", "reference"),
    [
        ("7k2m9qxd", "7K2M9QXD"),
        ("7K2M 9QXD", "7K2M9QXD"),
        (" 7k2m-9qxd ", "7K2M9QXD"),
        ("ik2m-oqxl", "1K2M0QX1"),
        ("L K 2 M O Q X I", "1K2M0QX1"),
    ],
)
def test_it_normalises_a_typed_reference_and_redirects(client, precinct_a, typed, reference):
    IncidentFactory(precinct=precinct_a, reference=reference)
    response = client.get("/reports/", {"reference": typed})
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == f"/reports/{reference}/"
    assert client.get(response["Location"]).status_code == 200


def test_it_redirects_a_report_address_to_its_canonical_form(client, precinct_a):
    IncidentFactory(precinct=precinct_a, reference="1K2M0QX1")
    response = client.get("/reports/ik2m-oqxl/")
    assert response.status_code in (301, 302)
    assert urlsplit(response["Location"]).path == "/reports/1K2M0QX1/"


@pytest.mark.parametrize("typed", ["", "abc", "7K2M9QXD9", "7K2M9QXU", "ÄÖÜ12345", "<script>x</script>", "'; DROP"])
def test_it_answers_a_friendly_404_with_the_lookup_box_for_a_malformed_reference(client, db, typed):
    response = client.get("/reports/", {"reference": typed})
    assert_friendly_404(response)
    assert "<script>x" not in response.content.decode()


def test_it_answers_a_friendly_404_for_an_unknown_or_malformed_report_address(client, db):
    assert_friendly_404(client.get("/reports/7K2M9QXD/"))
    assert_friendly_404(client.get("/reports/not-a-reference/"))


# --- feeds, robots, sitemap --------------------------------------------------------------------


def test_it_links_every_page_to_its_feed(client, published, incident):
    expected = {
        "/": {"/feed.atom"},
        "/precincts/precinct-a/": {"/precincts/precinct-a/feed.atom", "/precincts/precinct-a/feed.rss"},
        "/precincts/precinct-a/stats/": {"/precincts/precinct-a/feed.atom"},
        f"/posts/{published.pk}/": {"/precincts/precinct-a/feed.atom"},
        f"/reports/{incident.reference}/": set(),  # some feed; which one is the page's choice
    }
    for url, feeds in expected.items():
        alternates = parse_html(page(client, url)).alternates
        assert alternates, url
        assert feeds <= {a["href"] for a in alternates}, url
        for alternate in alternates:
            response = client.get(alternate["href"])
            assert response.status_code == 200
            assert response["Content-Type"].startswith(alternate["type"])


def test_it_serves_robots_txt_that_keeps_crawlers_off_staff_pages_and_names_the_sitemap(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /desk/" in lines
    assert "Disallow: /admin/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def test_it_lists_precincts_and_published_posts_in_the_sitemap(client, precinct_b, published, unpublished):
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    sections = [urlsplit(loc).path for loc in _locs(index.content.decode())]
    assert sorted(sections) == ["/sitemap-posts.xml", "/sitemap-precincts.xml"]
    listed = set()
    for section in sections:
        response = client.get(section)
        assert response.status_code == 200
        listed |= {urlsplit(loc).path for loc in _locs(response.content.decode())}
    assert {
        "/precincts/precinct-a/",
        "/precincts/precinct-a/stats/",
        "/precincts/precinct-b/",
        "/precincts/precinct-b/stats/",
        f"/posts/{published.pk}/",
    } <= listed
    for post in unpublished.values():
        assert f"/posts/{post.pk}/" not in listed
    for path in listed:
        assert client.get(path).status_code == 200, path


def _locs(xml: str) -> list[str]:
    import re

    return re.findall(r"<loc>([^<]+)</loc>", xml)


def test_it_answers_head_requests_like_get(client, published, incident):
    for url in (
        "/",
        "/precincts/precinct-a/",
        "/precincts/precinct-a/stats/",
        f"/posts/{published.pk}/",
        f"/reports/{incident.reference}/",
        "/robots.txt",
    ):
        get = client.get(url)
        head = client.head(url)
        assert head.status_code == 200, url
        assert head.content == b""
        assert head["ETag"] == get["ETag"] if "ETag" in get else True
