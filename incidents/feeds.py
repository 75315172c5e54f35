"""RSS 2.0 and Atom 1.0 feeds, per precinct and city-wide.

Entries have stable ids: the post's absolute permalink, which never changes. A withdrawn post stays in the
feed, retitled and with its `updated` time moved, so readers see the change.

Readers poll feeds all day, so a feed is built lean: two reads compiled once per connection
(`PreparedRead`) that return tuples of public fields, permalinks from one reversed prefix, and the XML
written here in one pass. With django.contrib.syndication a request for 50 entries took about seven
times as long (model instances, several reverse() calls and a dozen small writes per entry); a Jinja2
template took twice as long as this writer to write them, most of it wrapping each value it escaped.

Text: every value from the database goes through `xml_escape`, which escapes &, <, >, " and ' and drops
the characters XML 1.0 forbids (most control characters): one of them pasted into a post would otherwise
make the whole feed unreadable. A post is plain text, so the Atom summary says type="text"; an RSS
description is read as HTML, so the text is escaped for HTML before it is escaped for XML, and "<b>"
reaches the reader as typed, not as markup.
"""

import functools
import html
import re
from datetime import UTC, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from incidents import freshness, public
from incidents.models import Post, PostKind, PostStatus
from tracker.conditional import public_page
from tracker.prepared import PreparedRead

# Feed readers commonly keep 20 to 50 entries and poll every hour or so. 30 is days of a busy precinct
# and hours of the whole city, and older posts stay on the timelines. Entries are most of what a feed
# costs to build (a request for 50 takes a quarter longer than for 30), so it is kept to what readers use.
FEED_SIZE = 30
# What a feed reads of its posts, and nothing else: public fields only (each of them in public.POST_FIELDS;
# a test checks). The precinct is read as the timeline reads it (public.public_precinct_row).
POST_FIELDS = (
    "id",
    "kind",
    "body",
    "status",
    "published_at",
    "retracted_at",
    "retraction_reason",
    "category__name",
    "precinct__name",
    "precinct__timezone",
)
RSS_CONTENT_TYPE = "application/rss+xml; charset=utf-8"
ATOM_CONTENT_TYPE = "application/atom+xml; charset=utf-8"

_KIND_LABELS = dict(PostKind.choices)
# XML 1.0 allows tab, newline and carriage return, but no other C0 control character, no lone surrogate,
# and neither U+FFFE nor U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# What xml_escape changes; most text has none of it and is used as it is.
_NOT_PLAIN = re.compile("[&<>\"'\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# An id no post has: reversed once per feed to find where a permalink puts the id.
_SAMPLE_ID = 987654321
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def xml_escape(text: str) -> str:
    """`text` for XML character data or a quoted attribute value."""
    if not _NOT_PLAIN.search(text):
        return text
    return html.escape(_NOT_XML.sub("", text))


def rfc2822(moment: datetime) -> str:
    """`moment` in UTC as RSS writes dates: the text of email.utils.format_datetime, in a third of the time."""
    m = moment.astimezone(UTC)
    time = f"{m.hour:02d}:{m.minute:02d}:{m.second:02d}"
    return f"{_DAYS[m.weekday()]}, {m.day:02d} {_MONTHS[m.month - 1]} {m.year:04d} {time} +0000"


class Channel(NamedTuple):
    """What a feed says about itself: text as it is (not escaped), URLs absolute."""

    title: str
    description: str
    link: str
    self_url: str
    author: str
    updated: datetime


class Entry(NamedTuple):
    """One post as both formats show it: text as it is (not escaped), the link absolute."""

    title: str
    link: str
    summary: str
    category: str
    author: str
    published: datetime
    updated: datetime


# --- one view per feed URL ---------------------------------------------------------------------------


def precinct_feed_rss(request, slug: str) -> HttpResponse:
    return _precinct_feed(request, slug, write_rss, RSS_CONTENT_TYPE, "precinct_feed_rss")


def precinct_feed_atom(request, slug: str) -> HttpResponse:
    return _precinct_feed(request, slug, write_atom, ATOM_CONTENT_TYPE, "precinct_feed_atom")


def city_feed_rss(request) -> HttpResponse:
    return _city_feed(request, write_rss, RSS_CONTENT_TYPE, "city_feed_rss")


def city_feed_atom(request) -> HttpResponse:
    return _city_feed(request, write_atom, ATOM_CONTENT_TYPE, "city_feed_atom")


def _precinct_feed(request, slug: str, write, content_type: str, url_name: str) -> HttpResponse:
    precinct_once = functools.cache(lambda: public.public_precinct_row(slug))

    def render():
        precinct = precinct_once()
        origin = _origin(request)
        entries = feed_entries(feed_posts(precinct_id=precinct.pk), origin=origin)
        channel = Channel(
            title=f"{precinct.name} — how reports were followed up",
            description=(
                f"Public posts from {precinct.name} about the reports residents brought, and how each was followed up."
            ),
            link=origin + reverse("precinct_timeline", args=[precinct.slug]),
            self_url=origin + reverse(url_name, args=[precinct.slug]),
            author=precinct.name,
            updated=_latest(entries, precinct.public_changed_at),
        )
        return HttpResponse(write(channel, entries), content_type=content_type)

    return public_page(request, scopes=[freshness.precinct_scope(slug, precinct_once)], render=render)


def _city_feed(request, write, content_type: str, url_name: str) -> HttpResponse:
    def render():
        origin = _origin(request)
        entries = feed_entries(feed_posts(precinct_id=None), origin=origin)
        channel = Channel(
            title="OpenBlotter — how reports were followed up, city-wide",
            description="Public posts from every precinct about the reports residents brought.",
            link=origin + reverse("home"),
            self_url=origin + reverse(url_name),
            author="OpenBlotter",
            updated=_latest(entries, public.city_changed_at() if not entries else None),
        )
        return HttpResponse(write(channel, entries), content_type=content_type)

    return public_page(request, scopes=[freshness.CITY], render=render)


def _origin(request) -> str:
    """Scheme and host as the request came (behind the proxy, as settings.SECURE_PROXY_SSL_HEADER says)."""
    return f"{request.scheme}://{request.get_host()}"


def _latest(entries: list[Entry], changed: datetime | None) -> datetime:
    """When the feed changed: when its latest entry did; with no entries, when its scope last changed."""
    return max((entry.updated for entry in entries), default=None) or changed or timezone.now()


# --- reads ------------------------------------------------------------------------------------------


def _latest_posts(precinct_id: int | None = None) -> QuerySet:
    posts = public.public_posts()
    if precinct_id is not None:
        posts = posts.filter(precinct_id=precinct_id)
    # The timeline's order, on its index; values_list() drops the joins of public_posts() it does not need.
    return posts.order_by("-published_at", "-id").values_list(*POST_FIELDS)[:FEED_SIZE]


_precinct_posts = PreparedRead(Post, _latest_posts, -1)
_city_posts = PreparedRead(Post, _latest_posts)


def feed_posts(*, precinct_id: int | None) -> list[tuple]:
    """The latest public posts of a precinct, or city-wide, newest first, as tuples of POST_FIELDS."""
    return _city_posts() if precinct_id is None else _precinct_posts(precinct_id)


def feed_entries(rows: list[tuple], *, origin: str) -> list[Entry]:
    """Rows of POST_FIELDS as entries; a withdrawn post retitled, with its reason and a later `updated`."""
    head, tail = (origin + reverse("post_detail", args=[_SAMPLE_ID])).split(str(_SAMPLE_ID))
    entries = []
    for pk, kind, body, status, published_at, retracted_at, reason, category, precinct, tz in rows:
        what = category or _KIND_LABELS.get(kind, kind)
        title = f"{what} — {precinct}"
        summary = body
        if status == PostStatus.RETRACTED:
            title = f"Withdrawn: {title}"
            when = timezone.localtime(retracted_at, ZoneInfo(tz))
            summary = f"Withdrawn on {when:%B} {when.day}, {when.year}: {reason}\n\nOriginal post: {body}"
        entries.append(
            Entry(
                title=title,
                link=f"{head}{pk}{tail}",
                summary=summary,
                category=what,
                author=precinct,
                published=published_at,
                updated=retracted_at or published_at,
            )
        )
    return entries


# --- writing ----------------------------------------------------------------------------------------


def write_atom(channel: Channel, entries: list[Entry]) -> str:
    """Atom 1.0 (RFC 4287)."""
    x = xml_escape
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{x(settings.LANGUAGE_CODE)}">\n'
        f"<title>{x(channel.title)}</title>\n"
        f'<link href="{x(channel.link)}" rel="alternate"/>\n'
        f'<link href="{x(channel.self_url)}" rel="self" type="application/atom+xml"/>\n'
        f"<id>{x(channel.link)}</id>\n"
        f"<updated>{channel.updated.isoformat()}</updated>\n"
        f"<author><name>{x(channel.author)}</name></author>\n"
        f"<subtitle>{x(channel.description)}</subtitle>\n"
    ]
    for e in entries:
        link = x(e.link)
        out.append(
            "<entry>\n"
            f"<title>{x(e.title)}</title>\n"
            f'<link href="{link}" rel="alternate"/>\n'
            f"<published>{e.published.isoformat()}</published>\n"
            f"<updated>{e.updated.isoformat()}</updated>\n"
            f"<author><name>{x(e.author)}</name></author>\n"
            f"<id>{link}</id>\n"
            f'<summary type="text">{x(e.summary)}</summary>\n'
            f'<category term="{x(e.category)}"/>\n'
            "</entry>\n"
        )
    out.append("</feed>\n")
    return "".join(out)


def write_rss(channel: Channel, entries: list[Entry]) -> str:
    """RSS 2.0 (https://www.rssboard.org/rss-specification)."""
    x = xml_escape
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
        "<channel>\n"
        f"<title>{x(channel.title)}</title>\n"
        f"<link>{x(channel.link)}</link>\n"
        f"<description>{x(channel.description)}</description>\n"
        f'<atom:link href="{x(channel.self_url)}" rel="self" type="application/rss+xml"/>\n'
        f"<language>{x(settings.LANGUAGE_CODE)}</language>\n"
        f"<lastBuildDate>{rfc2822(channel.updated)}</lastBuildDate>\n"
    ]
    for e in entries:
        link = x(e.link)
        out.append(
            "<item>\n"
            f"<title>{x(e.title)}</title>\n"
            f"<link>{link}</link>\n"
            # Readers take a description as HTML: the text escaped for HTML, then the HTML for XML.
            f"<description>{x(html.escape(e.summary))}</description>\n"
            f"<dc:creator>{x(e.author)}</dc:creator>\n"
            f"<pubDate>{rfc2822(e.published)}</pubDate>\n"
            f'<guid isPermaLink="true">{link}</guid>\n'
            f"<category>{x(e.category)}</category>\n"
            "</item>\n"
        )
    out.append("</channel>\n</rss>\n")
    return "".join(out)
