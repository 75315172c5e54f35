"""The public pages word times, dates and links exactly as Django's filters and reverse() do,
only faster: each helper is held to Django's own output."""

import zoneinfo
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.contrib.humanize.templatetags import humanize
from django.urls import reverse, set_script_prefix
from django.utils import dateformat
from hypothesis import example, given, settings
from hypothesis import strategies as st

from incidents import presentation, public
from incidents.models import PUBLIC_STATUS_NAMES, Status

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
ZONES = [zoneinfo.ZoneInfo(name) for name in ("America/New_York", "America/Los_Angeles", "Europe/London", "UTC")]
NOW = datetime(2026, 11, 3, 16, 5, 30, 250_000, tzinfo=UTC)


def utc_times(first_year: int, last_year: int):
    """Aware UTC datetimes (hypothesis takes naive bounds and adds the zone)."""
    return st.datetimes(
        min_value=datetime(first_year, 1, 1, tzinfo=UTC).replace(tzinfo=None),
        max_value=datetime(last_year, 12, 31, tzinfo=UTC).replace(tzinfo=None),
        timezones=st.just(UTC),
    )


def django_naturaltime(value: datetime, now: datetime, monkeypatch) -> str:
    """Django's `naturaltime` as if it were `now`."""

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return now.astimezone(tz)

    monkeypatch.setattr(humanize, "datetime", Frozen)
    return humanize.naturaltime(value)


DELTAS = [
    timedelta(0),
    timedelta(microseconds=1),
    timedelta(seconds=1),
    timedelta(seconds=2),
    timedelta(seconds=59),
    timedelta(seconds=60),
    timedelta(seconds=61),
    timedelta(minutes=2),
    timedelta(minutes=59, seconds=59),
    timedelta(hours=1),
    timedelta(hours=2),
    timedelta(hours=23, minutes=59),
    timedelta(days=1),
    timedelta(days=1, hours=1),
    timedelta(days=6, hours=23),
    timedelta(days=7),
    timedelta(days=10, hours=5),
    timedelta(days=13),
    timedelta(days=29),
    timedelta(days=31),
    timedelta(days=45, hours=3),
    timedelta(days=59),
    timedelta(days=365),
    timedelta(days=366),
    timedelta(days=400),
    timedelta(days=800, minutes=7),
]


@pytest.mark.parametrize("delta", DELTAS, ids=str)
@pytest.mark.parametrize("direction", ["past", "future"])
def test_it_words_a_relative_time_as_naturaltime_does(monkeypatch, delta, direction):
    value = NOW - delta if direction == "past" else NOW + delta
    assert presentation.natural_time(value, NOW) == django_naturaltime(value, NOW, monkeypatch)


@settings(max_examples=400, deadline=None)
@given(value=utc_times(2000, 2040), now=utc_times(2000, 2040))
# Month ends and a leap day: the calendar arithmetic of "1 month, 2 weeks".
@example(value=datetime(2024, 1, 31, 12, tzinfo=UTC), now=datetime(2024, 3, 1, 11, tzinfo=UTC))
@example(value=datetime(2024, 2, 29, 23, 59, tzinfo=UTC), now=datetime(2025, 2, 28, 23, 58, tzinfo=UTC))
@example(value=datetime(2025, 12, 31, 23, 0, tzinfo=UTC), now=datetime(2026, 1, 31, 22, 0, tzinfo=UTC))
def test_it_words_any_relative_time_as_naturaltime_does(value, now):
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert presentation.natural_time(value, now) == django_naturaltime(value, now, monkeypatch)


def test_it_keeps_numbers_and_units_together_as_naturaltime_does():
    assert presentation.natural_time(NOW - timedelta(days=4, hours=12), NOW) == "4\xa0days, 12\xa0hours ago"
    assert presentation.natural_time(NOW - timedelta(minutes=5), NOW) == "5\xa0minutes ago"
    assert presentation.natural_time(NOW - timedelta(hours=1, minutes=5), NOW) == "an hour ago"


MOMENTS = [
    datetime(2026, 11, 3, 21, 5, tzinfo=UTC),  # 4:05 p.m. EST
    datetime(2026, 7, 4, 4, 0, tzinfo=UTC),  # midnight in New York, summer time
    datetime(2026, 1, 1, 17, 0, tzinfo=UTC),  # noon in New York
    datetime(2026, 3, 8, 7, 30, tzinfo=UTC),  # just after clocks go forward in New York
    datetime(2026, 11, 1, 5, 30, tzinfo=UTC),  # 1:30 a.m. EDT, an hour that comes twice
    datetime(2026, 11, 1, 6, 30, tzinfo=UTC),  # 1:30 a.m. EST, its second time
    datetime(2026, 5, 9, 9, 9, 9, 999_999, tzinfo=UTC),
    datetime(2099, 12, 31, 23, 59, tzinfo=UTC),
]


@pytest.mark.parametrize("moment", MOMENTS, ids=str)
@pytest.mark.parametrize("zone", ZONES, ids=str)
def test_it_formats_dates_as_the_date_filter_does(moment, zone):
    local = moment.astimezone(zone)
    assert presentation.day_and_time(local) == dateformat.format(local, "M j, Y, g:i a T")
    assert presentation.day(local) == dateformat.format(local, "M j, Y")
    assert presentation.month_day(local) == dateformat.format(local, "M j")


@settings(max_examples=300, deadline=None)
@given(moment=utc_times(1990, 2060))
def test_it_formats_any_date_as_the_date_filter_does(moment):
    for zone in ZONES:
        local = moment.astimezone(zone)
        assert presentation.day_and_time(local) == dateformat.format(local, "M j, Y, g:i a T")


def test_it_writes_the_time_the_pages_show():
    local = datetime(2026, 11, 3, 21, 5, tzinfo=UTC).astimezone(NEW_YORK)
    assert presentation.day_and_time(local) == "Nov 3, 2026, 4:05 p.m. EST"
    assert presentation.day(local) == "Nov 3, 2026"


def test_it_names_statuses_and_hides_small_counts():
    assert presentation.public_status(Status.ACTION_SCHEDULED) == PUBLIC_STATUS_NAMES[Status.ACTION_SCHEDULED]
    assert [presentation.hide_small(n) for n in (None, 0, 1, 4, 5, 120)] == [None, 0, None, None, 5, 120]


# --- links ---------------------------------------------------------------------------------------


def test_it_links_as_reverse_does(db):
    links = presentation.Links()
    assert links.post(42) == reverse("post_detail", args=[42])
    assert links.report("7K2M9QXD") == reverse("report_detail", args=["7K2M9QXD"])
    assert links.timeline("midtown-north") == reverse("precinct_timeline", args=["midtown-north"])
    # Anything a converter would let through is quoted as reverse() quotes it.
    assert links.report("a b?c") == reverse("report_detail", args=["a b?c"])
    assert presentation.url("precinct_stats", "harbor") == reverse("precinct_stats", args=["harbor"])
    assert presentation.url("home") == "/"


def test_it_links_under_the_script_prefix_of_the_request(db):
    # Remembered addresses are per prefix: a site mounted under /blotter/ links there.
    try:
        set_script_prefix("/blotter/")
        assert presentation.url("home") == "/blotter/"
        assert presentation.Links().post(7) == "/blotter/posts/7/"
    finally:
        set_script_prefix("/")
    assert presentation.url("home") == "/"


# --- cards ---------------------------------------------------------------------------------------


def row(**fields):
    values = {
        "pk": 7,
        "kind": "alert",
        "body": "Main St is closed until noon.",
        "status": "published",
        "published_at": datetime(2026, 11, 3, 21, 5, 12, tzinfo=UTC),
        "retracted_at": None,
        "retraction_reason": "",
        "category__name": None,
        "incident__reference": None,
        "precinct__name": "Harbor",
        "precinct__slug": "harbor",
        "precinct__timezone": "America/New_York",
        **fields,
    }
    assert set(values) == set(public.POST_CARD_FIELDS)
    return SimpleNamespace(**values)


def test_it_makes_a_card_from_a_row(db):
    cards = presentation.Cards(now=datetime(2026, 11, 3, 21, 10, 12, tzinfo=UTC))
    card = cards.from_row(row())
    assert card.label == "Alert"
    assert card.url == "/posts/7/"
    assert card.published_iso == "2026-11-03T16:05:12-05:00"
    assert card.published_ago == "5\xa0minutes ago"
    assert card.published_text == "Nov 3, 2026, 4:05 p.m. EST"
    assert card.precinct_url == "/precincts/harbor/"
    assert (card.withdrawn, card.withdrawn_on, card.reference, card.report_url) == (False, "", None, None)


def test_it_makes_a_card_of_a_withdrawn_post_about_a_report(db):
    cards = presentation.Cards()
    card = cards.from_row(
        row(
            status="retracted",
            retracted_at=datetime(2026, 11, 4, 3, 0, tzinfo=UTC),  # still Nov 3 in New York
            retraction_reason="Wrong street.",
            category__name="Noise",
            incident__reference="7K2M9QXD",
        )
    )
    assert card.label == "Noise"
    assert (card.withdrawn, card.withdrawn_on, card.retraction_reason) == (True, "Nov 3, 2026", "Wrong street.")
    assert card.report_url == "/reports/7K2M9QXD/"


# --- reads ---------------------------------------------------------------------------------------


def test_it_reads_only_public_fields_for_cards_and_reports():
    def named(fields):
        return {"id" if field == "pk" else field for field in fields}

    assert named(public.POST_CARD_FIELDS) <= set(public.POST_FIELDS)
    assert named(public.REPORT_ROW_FIELDS) <= set(public.INCIDENT_FIELDS)
    assert named(public.REPORT_POST_ROW_FIELDS) <= {"id", "kind", "body", "status", "published_at"} | {
        "retracted_at",
        "retraction_reason",
    }
