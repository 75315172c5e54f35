"""Helpers for the public-side tests: records made through the services, as the desk makes them,
plus fast bulk builders for the speed tests."""

import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.utils import timezone

from incidents.models import Incident, Outcome, Post, PostKind, PostStatus, Status
from incidents.references import new_reference
from incidents.services import Change, followup_add, incident_create
from incidents.services import posts as post_services


def log_report(officer, precinct, category, **fields) -> Incident:
    """A report logged through the service."""
    fields = {
        "public_summary": "Loud music from a party late at night",
        "public_location": "200 block of Main St",
        **fields,
    }
    return incident_create(acting_user=officer, precinct=precinct, category=category, **fields)


def follow_up(officer, incident, **change):
    incident.refresh_from_db()
    return followup_add(
        acting_user=officer, incident=incident, expected_version=incident.version, change=Change(**change)
    )


def resolve(officer, incident, *, outcome=Outcome.WARNING, public_note="", internal_note="Closing it."):
    """Close the report as resolved; returns the drafted post."""
    entry = follow_up(
        officer,
        incident,
        to_status=Status.RESOLVED,
        outcome=outcome,
        public_note=public_note,
        internal_note=internal_note,
    )
    return entry.drafted_post


def publish(officer, supervisor, post) -> Post:
    """Submit the author's draft and have a supervisor approve it now."""
    post = post_services.post_submit(acting_user=officer, post=post)
    post = post_services.post_approve(acting_user=supervisor, post=post)
    assert post.status == PostStatus.PUBLISHED, post.status
    return post


def publish_update(officer, supervisor, incident, body) -> Post:
    post = post_services.post_draft_update(acting_user=officer, incident=incident, body=body)
    return publish(officer, supervisor, post)


def retract(supervisor, post, reason="Posted about the wrong street.") -> Post:
    return post_services.post_retract(acting_user=supervisor, post=post, reason=reason)


def bulk_incidents(*, precinct, category, author, count, start=None) -> list[Incident]:
    """Reports written straight to the table (the speed tests need thousands)."""
    start = start or timezone.now() - timedelta(days=20)
    rows = [
        Incident(
            precinct=precinct,
            category=category,
            reference=new_reference(),
            status=Status.NEW,
            public_summary=f"Bulk report {i}",
            public_location="100 block of Elm St",
            reported_at=start + timedelta(minutes=i),
            last_activity_at=start + timedelta(minutes=i),
            created_by=author,
        )
        for i in range(count)
    ]
    return Incident.objects.bulk_create(rows, batch_size=500)


def bulk_posts(*, precinct, author, count, categories=(), incidents=(), start=None, step=timedelta(minutes=1)):
    """Published posts written straight to the table, one `step` apart, oldest first.

    Every other post is about a report (when `incidents` are given); the rest are alerts.
    """
    start = start or timezone.now() - timedelta(days=30)
    rows = []
    for i in range(count):
        incident = incidents[i % len(incidents)] if incidents and i % 2 == 0 else None
        moment = start + step * i
        rows.append(
            Post(
                precinct=precinct,
                incident=incident,
                kind=PostKind.RESOLUTION if incident else PostKind.ALERT,
                category=categories[i % len(categories)] if categories else None,
                author=author,
                body=f"Bulk post number {i} from {precinct.name}.",
                status=PostStatus.PUBLISHED,
                approved_hash="x",
                publish_at=moment,
                published_at=moment,
            )
        )
    return Post.objects.bulk_create(rows, batch_size=500)


# --- reading responses -------------------------------------------------------------


class _Links(HTMLParser):
    """hrefs, <link rel=alternate>, GET forms (with the options of their selects) and meta tags."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.alternates: list[dict] = []
        self.meta: dict[str, str] = {}
        self.forms: list[dict] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if "href" in a:
            self.hrefs.append(a["href"])
        if tag == "link" and "alternate" in a.get("rel", "").split():
            self.alternates.append(a)
        if tag == "meta":
            key = a.get("property") or a.get("name")
            if key:
                self.meta[key] = a.get("content", "")
        if tag == "form" and a.get("method", "get").lower() == "get":
            self.forms.append({"action": a.get("action", ""), "fields": {}})
        if tag == "select" and self.forms:
            self._select = a.get("name")
            self.forms[-1]["fields"].setdefault(self._select, [])
        if tag == "option" and self._select and self.forms:
            self.forms[-1]["fields"][self._select].append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def parse_html(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def post_ids_on(html: str) -> list[int]:
    """The posts a page lists, in order (each card links to its permalink once)."""
    return [
        int(pk) for pk in re.findall(r'<article class="public-post[^"]*"[^>]*aria-labelledby="post-(\d+)-label"', html)
    ]


def older_link(html: str) -> str | None:
    match = re.search(r'<a [^>]*href="([^"]+)"[^>]*>Older posts</a>', html)
    return match.group(1).replace("&amp;", "&") if match else None


def same_site(base: str, href: str) -> str | None:
    """The local path (with query) of a same-site link, or None for another site."""
    absolute = urljoin(base, href)
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or parts.hostname not in ("testserver", None):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")
