"""The canary test: plant unique strings in every private field, then crawl everything public
and find none of them.

Private data sits in reports (reporter's details, exact address and coordinates, narrative,
names of people involved), in internal notes, in posts that are not public (and the review
comments on them), in staff accounts and in a precinct's publishing hold. The crawler starts at
`/`, follows every same-site link in HTML, feeds, sitemaps and JSON, every `<link rel=alternate>`,
every option of a GET form, every redirect, and also asks for every post id and report reference
there is (post ids are guessable; each resident knows their reference).
"""

import json
import re
import uuid
from collections import deque
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from incidents.models import Incident, Outcome, Post, PostStatus, Status
from incidents.services import posts as post_services
from precincts.models import Membership, Precinct
from tests.conftest import login
from tests.factories import MembershipFactory, PrecinctFactory, UserFactory
from tests.public.helpers import follow_up, log_report, parse_html, publish, publish_update, retract, same_site

pytestmark = pytest.mark.django_db

MAX_URLS = 2_000
SKIPPED = ("/desk/", "/admin/", "/accounts/", "/static/", "/api/v1/auth/")
SEEDS = (
    "/",
    "/robots.txt",
    "/sitemap.xml",
    "/feed.atom",
    "/feed.rss",
    "/api/v1/precincts/",
    "/api/v1/public-posts/",
    "/api/v1/categories/",
    "/api/schema/",
    "/open311/v2/services.json",
    "/open311/v2/services.xml",
    "/open311/v2/requests.json",
    "/open311/v2/requests.xml",
)


class Canaries:
    """Unique, recognisable strings, each remembered with where it was planted."""

    def __init__(self):
        self.planted: dict[str, str] = {}

    def token(self, where: str) -> str:
        # Letters only, so the draft checker does not take it for an ID number or a plate.
        letters = "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:12])
        value = f"Canary{letters}"
        self.planted[value] = where
        return value

    def email(self, where: str) -> str:
        value = f"{self.token(where).lower()}@leak.example"
        self.planted[value] = where
        return value

    def coordinate(self, where: str, whole: int) -> Decimal:
        fraction = uuid.uuid4().int % 900_000 + 100_001
        value = Decimal(f"{whole}.{fraction:06d}")
        self.planted[str(abs(value))] = where
        return value

    def found_in(self, text: str) -> list[str]:
        lowered = text.lower()
        return [f"{value} ({where})" for value, where in self.planted.items() if value.lower() in lowered]


def canary_staff(canaries: Canaries, precinct, role: str, n: int):
    user = UserFactory(
        username=canaries.token(f"username of {role} {n}").lower(),
        first_name=canaries.token(f"first name of {role} {n}"),
        last_name=canaries.token(f"last name of {role} {n}"),
        email=canaries.email(f"email of {role} {n}"),
    )
    MembershipFactory(user=user, precinct=precinct, role=role)
    return user


def canary_report(canaries: Canaries, officer, precinct, category, n: int) -> Incident:
    where = f"report {n} in {precinct.slug}"
    incident = log_report(
        officer,
        precinct,
        category,
        public_summary=f"Noise from a party, report {n}",
        public_location=f"{n}00 block of Main St",
        reporter_name=" ".join(canaries.token(f"reporter_name part {i} of {where}") for i in range(2)),
        reporter_phone=canaries.token(f"reporter_phone of {where}"),
        reporter_email=canaries.email(f"reporter_email of {where}"),
        exact_address=canaries.token(f"exact_address of {where}"),
        internal_narrative=f"Narrative {canaries.token(f'internal_narrative of {where}')}.",
        involved_names="\n".join(canaries.token(f"involved_names line {i} of {where}") for i in range(2)),
    )
    Incident.objects.filter(pk=incident.pk).update(
        exact_latitude=canaries.coordinate(f"exact_latitude of {where}", 40),
        exact_longitude=canaries.coordinate(f"exact_longitude of {where}", -73),
    )
    follow_up(
        officer,
        incident,
        internal_note=f"Internal {canaries.token(f'internal note of {where}')}",
        public_note="Officers visited the block.",
    )
    incident.refresh_from_db()
    return incident


def close(officer, incident, canaries, status=Status.RESOLVED):
    change = {"to_status": status, "internal_note": canaries.token(f"closing note of {incident.reference}")}
    if status == Status.RESOLVED:
        change["outcome"] = Outcome.WARNING
    elif status == Status.REFERRED:
        change["referred_to"] = "the Department of Sanitation"
    elif status == Status.NO_ACTION:
        change["outcome"] = Outcome.UNABLE_TO_LOCATE
    return follow_up(officer, incident, **change).drafted_post


def build_precinct(canaries: Canaries, precinct, category, *, reports: int) -> SimpleNamespace:
    """One precinct's records in every state, each made through the services."""
    officer = canary_staff(canaries, precinct, Membership.Role.OFFICER, 1)
    supervisor = canary_staff(canaries, precinct, Membership.Role.SUPERVISOR, 1)
    canary_staff(canaries, precinct, Membership.Role.SUPERVISOR, 2)
    incidents = [canary_report(canaries, officer, precinct, category, n) for n in range(1, reports + 1)]
    public, private = [], []

    # Published: resolutions and updates, one of them withdrawn later, and an urgent alert.
    public.append(publish(officer, supervisor, close(officer, incidents[0], canaries)))
    public.append(publish(officer, supervisor, close(officer, incidents[1], canaries, Status.REFERRED)))
    public.append(publish_update(officer, supervisor, incidents[2], "Officers spoke with the people at the party."))
    public.append(publish(officer, supervisor, close(officer, incidents[3], canaries, Status.NO_ACTION)))
    public.append(
        post_services.post_create_alert(
            acting_user=supervisor,
            precinct=precinct,
            body="Main St is closed until noon. Please use Oak Ave.",
            publish_now=True,
        )
    )
    retract(supervisor, public[2], reason="It went out twice.")

    def draft(incident, where):
        body = f"Draft {canaries.token(f'body of {where} post in {precinct.slug}')} about the noise."
        return post_services.post_draft_update(acting_user=officer, incident=incident, body=body)

    # Not public: a draft, one in review, changes requested, rejected, approved for tomorrow,
    # and the draft that closing a report made and nobody submitted.
    private.append(draft(incidents[4], "draft"))
    private.append(post_services.post_submit(acting_user=officer, post=draft(incidents[4], "in_review")))
    for state, decide in (
        ("changes_requested", post_services.post_request_changes),
        ("rejected", post_services.post_reject),
    ):
        submitted = post_services.post_submit(acting_user=officer, post=draft(incidents[5], state))
        reason = f"Review {canaries.token(f'review comment of {state} post in {precinct.slug}')}"
        private.append(decide(acting_user=supervisor, post=submitted, reason=reason))
    submitted = post_services.post_submit(acting_user=officer, post=draft(incidents[5], "approved"))
    private.append(
        post_services.post_approve(
            acting_user=supervisor, post=submitted, publish_at=timezone.now() + timezone.timedelta(days=1)
        )
    )
    private.append(close(officer, incidents[6], canaries))
    return SimpleNamespace(
        precinct=precinct, officer=officer, supervisor=supervisor, incidents=incidents, public=public, private=private
    )


@pytest.fixture
def world(category):
    canaries = Canaries()
    north = PrecinctFactory(name="North Precinct", slug="north", code="NO", timezone="America/Chicago")
    south = PrecinctFactory(name="South Precinct", slug="south", code="SO")
    precincts = [build_precinct(canaries, p, category, reports=10) for p in (north, south)]
    # A hold, with its internal reason, on one precinct.
    post_services.precinct_hold(
        acting_user=precincts[1].supervisor, precinct=south, reason=f"Hold {canaries.token('hold reason of south')}"
    )
    return SimpleNamespace(canaries=canaries, precincts=precincts)


# --- the crawler -----------------------------------------------------------------------------------


def links_in(path: str, response) -> list[str]:
    """Every same-site URL a response points at."""
    found: list[str] = []
    base = f"http://testserver{path}"
    content_type = response.get("Content-Type", "")
    text = response.content.decode("utf-8", "replace")
    if "Location" in response:
        found.append(response["Location"])
    if "html" in content_type:
        parsed = parse_html(text)
        found += parsed.hrefs
        found += [a["href"] for a in parsed.alternates]
        for form in parsed.forms:
            action = form["action"] or path.split("?")[0]
            for name, values in form["fields"].items():
                found += [f"{action}?{urlencode({name: value})}" for value in values]
    elif "xml" in content_type:
        found += re.findall(r'href="([^"]+)"', text)
        found += re.findall(r"<(?:loc|link|guid|id)(?: [^>]*)?>([^<]+)</", text)
    elif "json" in content_type:
        found += _json_links(json.loads(text))
    return [url for url in (same_site(base, href.replace("&amp;", "&")) for href in found) if url]


def _json_links(data) -> list[str]:
    """URLs in JSON, and the public API's own addresses for the things it names."""
    found: list[str] = []
    if isinstance(data, dict):
        if "body" in data and isinstance(data.get("id"), int):
            found += [f"/api/v1/public-posts/{data['id']}/", f"/posts/{data['id']}/"]
        if isinstance(data.get("report"), str):
            found += [f"/api/v1/reports/{data['report']}/", f"/reports/{data['report']}/"]
        if isinstance(data.get("reference"), str):
            found += [f"/api/v1/reports/{data['reference']}/", f"/reports/{data['reference']}/"]
        if isinstance(data.get("service_request_id"), str):
            found += [f"/open311/v2/requests/{data['service_request_id']}.{fmt}" for fmt in ("json", "xml")]
        if isinstance(data.get("precinct"), str):
            found += [f"/api/v1/precincts/{data['precinct']}/", f"/precincts/{data['precinct']}/"]
        if "timezone" in data and isinstance(data.get("slug"), str):
            found += [f"/api/v1/precincts/{data['slug']}/", f"/api/v1/precincts/{data['slug']}/posts/"]
        for value in data.values():
            found += _json_links(value)
    elif isinstance(data, list):
        for value in data:
            found += _json_links(value)
    elif isinstance(data, str) and (data.startswith("http://testserver/") or data.startswith("/")):
        found.append(data)
    return found


def crawl(seeds) -> dict[str, object]:
    """Breadth first, anonymous, each request from its own address (so API throttles never hide a page)."""
    client = Client()
    queue, seen, responses = deque(seeds), set(seeds), {}
    while queue:
        path = queue.popleft()
        assert len(responses) < MAX_URLS, f"the crawl went past {MAX_URLS} URLs"
        n = len(responses)
        response = client.get(path, REMOTE_ADDR=f"10.{n // 65025}.{n // 255 % 255}.{n % 255 + 1}")
        responses[path] = response
        for url in links_in(path, response):
            if url not in seen and not url.startswith(SKIPPED):
                seen.add(url)
                queue.append(url)
    return responses


def probes(world) -> list[str]:
    """What anyone can ask for without a link: every post id, every reference (typed loosely)."""
    urls = []
    for post in Post.objects.all():
        urls += [f"/posts/{post.pk}/", f"/api/v1/public-posts/{post.pk}/"]
    for reference in Incident.objects.values_list("reference", flat=True):
        typed = f"{reference[:4]} {reference[4:]}".lower()
        urls += [
            f"/reports/?{urlencode({'reference': typed})}",
            f"/api/v1/reports/{reference}/",
            f"/open311/v2/requests/{reference}.json",
        ]
    return urls


# --- the tests --------------------------------------------------------------------------------------


def test_it_finds_the_canaries_where_staff_may_see_them(world):
    """The detector works: staff pages do show what was planted (so a clean crawl means something)."""
    north = world.precincts[0]
    staff = login(Client(), north.officer)
    html = staff.get(f"/desk/incidents/{north.incidents[0].reference}/").content.decode()
    hits = world.canaries.found_in(html)
    assert any("reporter_name" in hit for hit in hits), hits
    assert any("internal note" in hit for hit in hits), hits


def test_it_shows_no_private_detail_anywhere_public(world):
    responses = crawl([*SEEDS, *probes(world)])

    leaks = []
    for path, response in responses.items():
        headers = "\n".join(f"{k}: {v}" for k, v in response.items())
        for hit in world.canaries.found_in(response.content.decode("utf-8", "replace") + "\n" + headers):
            leaks.append(f"{path}: {hit}")
    assert not leaks, "private details on public pages:\n" + "\n".join(leaks)

    errors = [
        f"{path}: {r.status_code}" for path, r in responses.items() if r.status_code >= 500 or r.status_code == 429
    ]
    assert not errors, errors

    # Not vacuous: the crawl reached every public page of every precinct, post and report.
    ok = {path for path, r in responses.items() if r.status_code == 200}
    for built in world.precincts:
        slug = built.precinct.slug
        expected = {
            f"/precincts/{slug}/",
            f"/precincts/{slug}/stats/",
            f"/precincts/{slug}/feed.rss",
            f"/precincts/{slug}/feed.atom",
            f"/api/v1/precincts/{slug}/",
            f"/api/v1/precincts/{slug}/posts/",
        }
        for post in built.public:
            expected |= {f"/posts/{post.pk}/", f"/api/v1/public-posts/{post.pk}/"}
            if post.incident_id:
                expected |= {f"/reports/{post.incident.reference}/", f"/api/v1/reports/{post.incident.reference}/"}
        for incident in built.incidents:
            expected.add(f"/reports/{incident.reference}/")
        missing = expected - ok
        assert not missing, f"the crawl never reached: {sorted(missing)}"
        # And not one private post is public.
        for post in built.private:
            assert responses[f"/posts/{post.pk}/"].status_code == 404
            assert responses[f"/api/v1/public-posts/{post.pk}/"].status_code == 404
    assert Post.objects.filter(status=PostStatus.RETRACTED).count() == 2
    assert Precinct.objects.filter(hold_at__isnull=False).count() == 1
    assert len(world.canaries.planted) > 200
