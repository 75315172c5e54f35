"""Transparency numbers per precinct: what was received, closed and resolved, how fast.

Computed from one query over the window's reports and cached for a few
minutes. A figure built on fewer than `MIN_REPORTS` reports is not shown as a
number: small counts say little and can point at individuals.
"""

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Exists, Min, OuterRef, Q, Subquery
from django.utils import timezone

from incidents.models import CLOSED_STATUSES, PUBLIC_POST_STATUSES, FollowUp, Incident, Post, Status

MIN_REPORTS = 5
WINDOWS = (30, 90, 365)
TREND_WEEKS = 26
CACHE_SECONDS = 300
KEEP_SECONDS = 24 * 3600
RECOMPUTE_LOCK_SECONDS = 120
DAY = 86400.0


@dataclass
class Figures:
    """Counts and durations gathered for one window and one category (or all)."""

    received: int = 0
    closed: int = 0
    resolved: int = 0
    closed_with_post: int = 0
    days_to_first_update: list[float] = field(default_factory=list)
    days_to_resolution: list[float] = field(default_factory=list)

    def summary(self) -> "Summary":
        return Summary(
            received_shown=_shown(self.received, self.received),
            closed_shown=_shown(self.closed, self.closed),
            resolved_shown=_shown(self.resolved, self.resolved),
            median_first_update=_median(self.days_to_first_update),
            median_resolution=_median(self.days_to_resolution),
            share_with_post=_shown(round(100 * self.closed_with_post / self.closed), self.closed)
            if self.closed
            else None,
        )


@dataclass(frozen=True)
class Summary:
    """What a page shows for one window and category: None where a figure rests on too few reports.

    Only these few numbers are cached, never the per-report durations, so a
    cache hit costs the same at 10,000 reports as at 1,000,000.
    """

    received_shown: int | None
    closed_shown: int | None
    resolved_shown: int | None
    median_first_update: float | None
    median_resolution: float | None
    share_with_post: int | None


def _shown(value, n):
    return value if n >= MIN_REPORTS else None


def _median(values: list[float]) -> float | None:
    return _shown(round(statistics.median(values), 1), len(values)) if values else None


def _rows(precinct_id: int, since: datetime):
    first_note = (
        (FollowUp.objects.filter(incident=OuterRef("pk")).exclude(public_note="").order_by().values("incident"))
        .annotate(first=Min("created_at"))
        .values("first")
    )
    first_post = (
        Post.objects.filter(incident=OuterRef("pk"), status__in=PUBLIC_POST_STATUSES)
        .order_by()
        .values("incident")
        .annotate(first=Min("published_at"))
        .values("first")
    )
    published = Post.objects.filter(incident=OuterRef("pk"), status__in=PUBLIC_POST_STATUSES)
    return (
        Incident.objects.filter(precinct_id=precinct_id)
        .filter(Q(reported_at__gte=since) | Q(resolved_at__gte=since))
        .annotate(first_note=Subquery(first_note), first_post=Subquery(first_post), has_post=Exists(published))
        .values_list("category_id", "status", "reported_at", "resolved_at", "first_note", "first_post", "has_post")
        .order_by()
    )


def _compute(precinct_id: int, now: datetime) -> dict:
    starts = {days: now - timedelta(days=days) for days in WINDOWS}
    trend_start = _week_start(now) - timedelta(weeks=TREND_WEEKS - 1)
    since = min(min(starts.values()), trend_start)
    windows = {days: {None: Figures()} for days in WINDOWS}
    weeks = {trend_start + timedelta(weeks=i): [0, 0] for i in range(TREND_WEEKS)}

    for category_id, status, reported_at, resolved_at, first_note, first_post, has_post in _rows(precinct_id, since):
        first_public = min((t for t in (first_note, first_post) if t is not None), default=None)
        closed = status in CLOSED_STATUSES and resolved_at is not None
        for days, start in starts.items():
            for figures in (windows[days][None], windows[days].setdefault(category_id, Figures())):
                if reported_at >= start:
                    figures.received += 1
                    if first_public is not None:
                        figures.days_to_first_update.append((first_public - reported_at).total_seconds() / DAY)
                if closed and resolved_at >= start:
                    figures.closed += 1
                    figures.closed_with_post += bool(has_post)
                    if status == Status.RESOLVED:
                        figures.resolved += 1
                        figures.days_to_resolution.append((resolved_at - reported_at).total_seconds() / DAY)
        if reported_at >= trend_start:
            weeks[_week_start(reported_at)][0] += 1
        if status == Status.RESOLVED and resolved_at is not None and resolved_at >= trend_start:
            weeks.setdefault(_week_start(resolved_at), [0, 0])[1] += 1
    trend = [(week, counts[0], counts[1]) for week, counts in sorted(weeks.items()) if week >= trend_start]
    summaries = {days: {key: figures.summary() for key, figures in rows.items()} for days, rows in windows.items()}
    return {"windows": summaries, "trend": trend, "computed_at": now}


def _week_start(moment: datetime) -> datetime:
    day = moment.astimezone(timezone.get_current_timezone()).date()
    monday = day - timedelta(days=day.weekday())
    return timezone.make_aware(datetime.combine(monday, datetime.min.time()))


def precinct_numbers(precinct) -> dict:
    """All windows, by category, and the weekly trend, recomputed when older than `CACHE_SECONDS` or than
    the precinct's last publish or withdrawal (stale while being recomputed).

    At city scale one computation reads a year of a precinct's reports (seconds
    at a million reports), so it must never run once per request, nor many
    times at once: the figures are kept a day, and only the request that takes
    the recompute lock recomputes them; every other request meanwhile gets the
    figures already kept. The page says when they were computed (`computed_at`).
    """
    key = f"stats:v2:{precinct.pk}"
    numbers = cache.get(key)
    now = timezone.now()
    fresh = (
        numbers is not None
        and (now - numbers["computed_at"]).total_seconds() < CACHE_SECONDS
        # A publish or withdrawal since: the share of reports with a post changed.
        and numbers["computed_at"] >= precinct.public_changed_at
    )
    if fresh or (numbers is not None and not cache.add(f"{key}:lock", 1, RECOMPUTE_LOCK_SECONDS)):
        return numbers
    try:
        with timezone.override(precinct.tzinfo):
            numbers = _compute(precinct.pk, now)
        cache.set(key, numbers, KEEP_SECONDS)
    finally:
        cache.delete(f"{key}:lock")
    return numbers


def summary_strip(precinct) -> Summary:
    """The 30-day figures the timeline shows at the top.

    Two small queries, cached for a few minutes by time alone: the timeline
    must never wait for the full numbers, which a publish recomputes.
    """
    key = f"stats:strip:v1:{precinct.pk}"
    summary = cache.get(key)
    if summary is None:
        since = timezone.now() - timedelta(days=30)
        received = Incident.objects.filter(precinct_id=precinct.pk, reported_at__gte=since).count()
        resolved = list(
            Incident.objects.filter(precinct_id=precinct.pk, status=Status.RESOLVED, resolved_at__gte=since)
            .order_by()
            .values_list("reported_at", "resolved_at")
        )
        days = [(closed - reported).total_seconds() / DAY for reported, closed in resolved]
        summary = Summary(
            received_shown=_shown(received, received),
            closed_shown=None,
            resolved_shown=_shown(len(resolved), len(resolved)),
            median_first_update=None,
            median_resolution=_median(days),
            share_with_post=None,
        )
        cache.set(key, summary, CACHE_SECONDS)
    return summary
