"""How the public pages word times and dates, and the post cards they show.

The public pages are in English only (LANGUAGE_CODE "en-us", no
LocaleMiddleware), so these helpers write the very strings of Django's
`naturaltime` and `date` filters in English, without the translation look-ups
and template machinery that made a timeline spend most of its time formatting
its twenty cards. tests/public/test_presentation.py holds them to Django's own
output; if the site ever speaks another language, go back to those filters.
"""

import re
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import lru_cache
from urllib.parse import quote

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone

from incidents.models import PUBLIC_STATUS_NAMES, PostKind, PostStatus
from incidents.stats import MIN_REPORTS

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
KIND_LABELS = {kind.value: str(kind.label) for kind in PostKind}
NBSP = "\xa0"

# As in django.utils.timesince: units from years down to minutes, two adjacent ones at most.
_UNITS = ("year", "month", "week", "day", "hour", "minute")
_CHUNKS = (7 * 86400, 86400, 3600, 60)
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


# --- dates -------------------------------------------------------------------------------------


def month_day(moment: datetime) -> str:
    """Django's "M j": "Nov 3"."""
    return f"{MONTHS[moment.month - 1]} {moment.day}"


def day(moment: datetime) -> str:
    """Django's "M j, Y": "Nov 3, 2026"."""
    return f"{MONTHS[moment.month - 1]} {moment.day}, {moment.year:04d}"


def day_and_time(moment: datetime) -> str:
    """Django's "M j, Y, g:i a T" of an aware time: "Nov 3, 2026, 4:05 p.m. EST"."""
    hour = moment.hour % 12 or 12
    half = "p.m." if moment.hour > 11 else "a.m."
    return f"{day(moment)}, {hour}:{moment.minute:02d} {half} {zone_name(moment)}"


def zone_name(moment: datetime) -> str:
    """The zone's abbreviation ("EST"); like Django, none for a time a clock change repeats or skips."""
    tz = moment.tzinfo
    if tz.utcoffset(moment.replace(fold=not moment.fold)) != tz.utcoffset(moment):
        return ""
    return str(tz.tzname(moment))


def public_status(status: str) -> str:
    """What residents read for a report's status ("Officers are looking into it")."""
    return PUBLIC_STATUS_NAMES[status]


def hide_small(count: int | None) -> int | None:
    """A count of 1 to 4 as None: too small to show as a number (incidents.stats.MIN_REPORTS)."""
    return None if count and count < MIN_REPORTS else count


# --- relative times ------------------------------------------------------------------------------


def natural_time(value: datetime, now: datetime) -> str:
    """Django's `naturaltime` of an aware time: "now", "5 minutes ago", "2 days, 3 hours ago", "an hour from now"."""
    if value < now:
        delta, suffix = now - value, "ago"
    else:
        delta, suffix = value - now, "from now"
    if delta.days:
        since = _since(value, now) if value < now else _since(now.astimezone(value.tzinfo), value)
        return f"{since} {suffix}"
    seconds = delta.seconds
    if seconds == 0:
        return "now"
    if seconds < 60:
        return f"a second {suffix}" if seconds == 1 else f"{seconds}{NBSP}seconds {suffix}"
    if seconds < 3600:
        minutes = seconds // 60
        return f"a minute {suffix}" if minutes == 1 else f"{minutes}{NBSP}minutes {suffix}"
    hours = seconds // 3600
    return f"an hour {suffix}" if hours == 1 else f"{hours}{NBSP}hours {suffix}"


def _since(d: datetime, now: datetime) -> str:
    """django.utils.timesince.timesince(d, now), depth 2, in English: "1 year, 3 months", "2 weeks, 3 days".

    Calendar years and months are counted in `d`'s time zone, as Django does.
    """
    now = now.astimezone(d.tzinfo)
    delta = now - d
    if delta.days * 86400 + delta.seconds <= 0:
        return f"0{NBSP}minutes"
    total_months = (now.year - d.year) * 12 + (now.month - d.month)
    if d.day > now.day or (d.day == now.day and d.time() > now.time()):
        total_months -= 1
    years, months = divmod(total_months, 12)
    if years or months:
        pivot_year, pivot_month = d.year + years, d.month + months
        if pivot_month > 12:
            pivot_month -= 12
            pivot_year += 1
        pivot = datetime(
            pivot_year,
            pivot_month,
            min(_MONTH_DAYS[pivot_month - 1], d.day),
            d.hour,
            d.minute,
            d.second,
            tzinfo=d.tzinfo,
        )
    else:
        pivot = d
    remaining = (now - pivot).total_seconds()
    counts = [years, months]
    for chunk in _CHUNKS:
        count = int(remaining // chunk)
        counts.append(count)
        remaining -= chunk * count
    parts = []
    for unit, count in zip(_UNITS, counts, strict=True):
        if count:
            parts.append(f"{count}{NBSP}{unit}" if count == 1 else f"{count}{NBSP}{unit}s")
        elif parts:
            break
        if len(parts) == 2:
            break
    return ", ".join(parts) or f"0{NBSP}minutes"


# --- links ---------------------------------------------------------------------------------------


def url(name: str, *args, **kwargs) -> str:
    """reverse(), remembered: pages link to the same addresses on every request.

    The script prefix and the URLconf are part of the key, as they are of reverse()'s answer.
    """
    return _reverse(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF, name, args, tuple(kwargs.items()))


@lru_cache(maxsize=2048)
def _reverse(prefix: str, urlconf: str, name: str, args: tuple, kwargs: tuple) -> str:
    return reverse(name, urlconf=urlconf, args=args or None, kwargs=dict(kwargs) or None)


class Links:
    """The addresses a page repeats, one per card (permalink, report, precinct), without a reverse() each."""

    def __init__(self):
        self.post = _url_maker("post_detail")
        self.report = _url_maker("report_detail")
        self.timeline = _url_maker("precinct_timeline")


_SAMPLE = "0123456789"  # a value every converter used above accepts: int, slug, str
_PLAIN = re.compile(r"[A-Za-z0-9_-]+")


def _url_maker(name: str):
    head, _, tail = url(name, _SAMPLE).rpartition(_SAMPLE)

    def make(value: int | str) -> str:
        # Ids, slugs and references need no quoting; anything else is quoted as reverse() would.
        if type(value) is int or _PLAIN.fullmatch(value):
            return f"{head}{value}{tail}"
        return f"{head}{quote(str(value), safe='')}{tail}"

    return make


# --- post cards ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Card:
    """One post as a card shows it, every string ready (times in its precinct's zone)."""

    pk: int
    withdrawn: bool
    label: str
    body: str
    url: str
    published_iso: str
    published_ago: str
    published_text: str
    withdrawn_on: str
    retraction_reason: str
    reference: str | None
    report_url: str | None
    precinct_name: str
    precinct_url: str


class Cards:
    """Makes the post cards of one page: links, the current time and each precinct's zone and address
    are worked out once, not per card."""

    def __init__(self, *, links: Links | None = None, now: datetime | None = None):
        self.links = links or Links()
        self.now = now or timezone.now()
        self._precincts: dict[str, tuple[tzinfo, str]] = {}

    def card(
        self,
        *,
        pk: int,
        kind: str,
        status: str,
        body: str,
        published_at: datetime,
        retracted_at: datetime | None,
        retraction_reason: str,
        category_name: str | None,
        reference: str | None,
        precinct_name: str,
        precinct_slug: str,
        precinct_timezone: str,
    ) -> Card:
        precinct = self._precincts.get(precinct_slug)
        if precinct is None:
            precinct = (zoneinfo.ZoneInfo(precinct_timezone), self.links.timeline(precinct_slug))
            self._precincts[precinct_slug] = precinct
        tz, precinct_url = precinct
        published = published_at.astimezone(tz)
        withdrawn = status == PostStatus.RETRACTED
        return Card(
            pk=pk,
            withdrawn=withdrawn,
            label=category_name if category_name is not None else KIND_LABELS.get(kind, kind),
            body=body,
            url=self.links.post(pk),
            published_iso=published.isoformat(),
            published_ago=natural_time(published_at, self.now),
            published_text=day_and_time(published),
            withdrawn_on=day(retracted_at.astimezone(tz)) if withdrawn and retracted_at else "",
            retraction_reason=retraction_reason,
            reference=reference,
            report_url=self.links.report(reference) if reference else None,
            precinct_name=precinct_name,
            precinct_url=precinct_url,
        )

    def from_row(self, row) -> Card:
        """A card from a row of `incidents.public.timeline_rows`."""
        return self.card(
            pk=row.pk,
            kind=row.kind,
            status=row.status,
            body=row.body,
            published_at=row.published_at,
            retracted_at=row.retracted_at,
            retraction_reason=row.retraction_reason,
            category_name=row.category__name,
            reference=row.incident__reference,
            precinct_name=row.precinct__name,
            precinct_slug=row.precinct__slug,
            precinct_timezone=row.precinct__timezone,
        )

    def from_post(self, post) -> Card:
        """A card from a Post of `incidents.public.public_posts` (its precinct, category and report loaded)."""
        return self.card(
            pk=post.pk,
            kind=post.kind,
            status=post.status,
            body=post.body,
            published_at=post.published_at,
            retracted_at=post.retracted_at,
            retraction_reason=post.retraction_reason,
            category_name=post.category.name if post.category_id else None,
            reference=post.incident.reference if post.incident_id else None,
            precinct_name=post.precinct.name,
            precinct_slug=post.precinct.slug,
            precinct_timezone=post.precinct.timezone,
        )
