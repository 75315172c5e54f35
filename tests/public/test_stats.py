"""The numbers residents read: counts and medians per window and category, hidden under 5 reports,
and the weekly trend drawn as an accessible SVG chart with the same numbers in a table."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.utils import timezone

from incidents.models import FollowUp, Incident, Outcome, Status
from tests.factories import CategoryFactory
from tests.public.helpers import follow_up, log_report, publish

pytestmark = pytest.mark.django_db

COLUMNS = ("received", "closed", "resolved", "first_update", "resolution", "share")
HIDDEN_COUNT = "fewer than 5"
HIDDEN_FIGURE = "too few reports to say"


class _Tables(HTMLParser):
    """Rows of every <table>, as lists of cell texts, under the id of the section they are in."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.sections: dict[str, list[list[str]]] = {}
        self._section = None
        self._row = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self._section = attrs.get("aria-labelledby")
            self.sections.setdefault(self._section, [])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.sections[self._section].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.sections


def window(html: str, days: int) -> dict[str, dict[str, str]]:
    """{category name: {column: cell text}} for one window."""
    rows = tables(html)[f"window-{days}"][1:]  # the header row first
    return {row[0]: dict(zip(COLUMNS, row[1:], strict=True)) for row in rows}


class Dataset:
    """Reports made through the services, then moved back in time with QuerySet.update."""

    def __init__(self, officer, supervisor, precinct):
        self.officer, self.supervisor, self.precinct = officer, supervisor, precinct
        self.now = timezone.now()

    def report(self, category, *, days_ago, close=None, closed_after=None, note_after=None, publish_post=False):
        incident = log_report(self.officer, self.precinct, category)
        note = None
        if note_after is not None:
            note = follow_up(self.officer, incident, public_note="Officers are looking into it.").pk
        if close:
            change = {"to_status": close, "internal_note": "Closing it."}
            if close == Status.RESOLVED:
                change["outcome"] = Outcome.WARNING
            elif close == Status.REFERRED:
                change["referred_to"] = "the Department of Sanitation"
            entry = follow_up(self.officer, incident, **change)
            if publish_post:
                publish(self.officer, self.supervisor, entry.drafted_post)
        reported = self.now - timedelta(days=days_ago)
        Incident.objects.filter(pk=incident.pk).update(
            reported_at=reported,
            resolved_at=reported + timedelta(days=closed_after) if close else None,
        )
        if note is not None:
            FollowUp.objects.filter(pk=note).update(created_at=reported + timedelta(days=note_after))
        incident.refresh_from_db()
        return incident


@pytest.fixture
def parking(db):
    return CategoryFactory(name="Parking", slug="parking")


@pytest.fixture
def dataset(officer, supervisor, precinct_a, category, parking):
    """Noise: 5 resolved (1, 2, 3, 10, 20 days; first public notes after 0.5, 1, 1.5, 2, 4 days;
    3 with a published post) and 2 referred, all reported 25 days ago; 3 open from 60 days ago.
    Parking: 2 open from 10 days ago."""
    data = Dataset(officer, supervisor, precinct_a)
    for i, (days, note) in enumerate(zip((1, 2, 3, 10, 20), (0.5, 1, 1.5, 2, 4), strict=True)):
        data.report(
            category, days_ago=25, close=Status.RESOLVED, closed_after=days, note_after=note, publish_post=i < 3
        )
    for _ in range(2):
        data.report(category, days_ago=25, close=Status.REFERRED, closed_after=5)
    for _ in range(3):
        data.report(category, days_ago=60)
    for _ in range(2):
        data.report(parking, days_ago=10)
    return data


def stats_page(client) -> str:
    response = client.get("/precincts/precinct-a/stats/")
    assert response.status_code == 200
    return response.content.decode()


def test_it_counts_reports_per_window_and_category(client, dataset):
    html = stats_page(client)
    thirty = window(html, 30)
    assert thirty["All categories"] == {
        "received": "9",
        "closed": "7",
        "resolved": "5",
        "first_update": "1.5",
        "resolution": "3.0",
        "share": "43%",
    }
    assert thirty["Noise"] == {**thirty["All categories"], "received": "7"}
    for days in (90, 365):
        assert window(html, days)["All categories"] == {**thirty["All categories"], "received": "12"}, days
        assert window(html, days)["Noise"]["received"] == "10", days


def test_it_hides_figures_built_on_fewer_than_5_reports(client, dataset):
    parking = window(stats_page(client), 30)["Parking"]
    assert parking == {
        "received": HIDDEN_COUNT,
        "closed": HIDDEN_COUNT,
        "resolved": HIDDEN_COUNT,
        "first_update": HIDDEN_FIGURE,
        "resolution": HIDDEN_FIGURE,
        "share": HIDDEN_FIGURE,
    }
    assert "A figure built on fewer than 5 reports is not shown." in stats_page(client)


def test_it_shows_a_figure_from_its_fifth_report_on(client, officer, supervisor, precinct_a, category):
    data = Dataset(officer, supervisor, precinct_a)
    for days in (1, 2, 3, 4):
        data.report(category, days_ago=20, close=Status.RESOLVED, closed_after=days, note_after=0.5, publish_post=True)

    html = stats_page(client)
    assert set(window(html, 30)["All categories"].values()) == {HIDDEN_COUNT, HIDDEN_FIGURE}
    timeline = client.get("/precincts/precinct-a/").content.decode()
    assert timeline.count(">Fewer than 5</span>") == 2
    assert ">Too few reports to say</span> median time to resolution" in timeline

    data.report(category, days_ago=20, close=Status.RESOLVED, closed_after=5, note_after=0.5, publish_post=True)
    cache.clear()  # the numbers are cached for a few minutes

    assert window(stats_page(client), 30)["All categories"] == {
        "received": "5",
        "closed": "5",
        "resolved": "5",
        "first_update": "0.5",
        "resolution": "3.0",
        "share": "100%",
    }
    timeline = client.get("/precincts/precinct-a/").content.decode()
    assert '<span class="public-summary__figure">5</span> reports received in the last 30 days' in timeline
    assert '<span class="public-summary__figure">5</span> resolved' in timeline
    assert '<span class="public-summary__figure">3.0 days</span> median time to resolution' in timeline


def test_it_counts_the_share_of_closed_reports_with_a_published_post(
    client, officer, supervisor, precinct_a, category
):
    data = Dataset(officer, supervisor, precinct_a)
    for i in range(8):
        # A draft, never published, does not count: only 2 of the 8 get a published post.
        data.report(category, days_ago=20, close=Status.RESOLVED, closed_after=2, publish_post=i < 2)
    assert window(stats_page(client), 30)["All categories"]["share"] == "25%"


def test_it_counts_a_newly_published_post_at_once(client, officer, supervisor, precinct_a, category):
    data = Dataset(officer, supervisor, precinct_a)
    reports = [data.report(category, days_ago=20, close=Status.RESOLVED, closed_after=2) for _ in range(5)]
    assert window(stats_page(client), 30)["All categories"]["share"] == "0%"
    publish(officer, supervisor, reports[0].posts.get())
    assert window(stats_page(client), 30)["All categories"]["share"] == "20%"


def test_it_answers_404_for_the_numbers_of_an_unknown_precinct(client, db):
    assert client.get("/precincts/nowhere/stats/").status_code == 404


# --- the weekly chart ---------------------------------------------------------------------------


def weekly_table(html: str) -> list[tuple[str, int | None, int | None]]:
    """The weekly table; None where a count of 1 to 4 is shown as "fewer than 5"."""
    rows = tables(html)["trend-heading"]
    assert rows[0] == ["Week of", "Received", "Resolved"]

    def number(cell):
        return None if cell == "fewer than 5" else int(cell)

    return [(week, number(received), number(resolved)) for week, received, resolved in rows[1:]]


def agrees(chart: list[int], shown: list[int | None]) -> bool:
    return all(c == s if s is not None else 1 <= c <= 4 for c, s in zip(chart, shown, strict=True))


def chart_values(html: str, line: str) -> list[int]:
    """Read a line of the chart back into numbers, using the chart's own axis ticks."""
    svg = re.search(r"<svg[^>]*>.*?</svg>", html, re.S).group(0)
    ticks = {
        int(label): float(y)
        for y, label in re.findall(r'<text [^>]*y="([\d.]+)"[^>]*dominant-baseline="middle">(\d+)</text>', svg)
    }
    top, zero = max(ticks), ticks[0]
    per_unit = (zero - ticks[top]) / top
    points = re.search(rf'<polyline points="([^"]+)" class="public-chart__{line}"', svg).group(1)
    return [round((zero - float(point.split(",")[1])) / per_unit) for point in points.split()]


def test_it_draws_the_weekly_trend_as_an_accessible_svg(client, dataset):
    html = stats_page(client)
    svg = re.search(r"<svg[^>]*>", html).group(0)
    assert 'role="img"' in svg
    labelled_by = re.search(r'aria-labelledby="([^"]+)"', svg).group(1).split()
    title = re.search(r'<title id="([^"]+)">([^<]+)</title>', html)
    desc = re.search(r'<desc id="([^"]+)">([^<]+)</desc>', html)
    assert title and title.group(2).strip()
    assert desc and desc.group(2).strip()
    assert labelled_by == [title.group(1), desc.group(1)]


def test_it_gives_the_chart_and_its_table_the_same_weekly_numbers(client, dataset, precinct_a):
    html = stats_page(client)
    table = weekly_table(html)
    assert len(table) == 26
    received_line, resolved_line = chart_values(html, "received"), chart_values(html, "resolved")
    assert agrees(received_line, [received for _, received, _ in table])
    assert agrees(resolved_line, [resolved for _, _, resolved in table])
    # Compare the underlying weekly counts (the chart draws them all).
    table = [(week, r, s) for (week, _, _), r, s in zip(table, received_line, resolved_line, strict=True)]

    # The table itself counts each report in the week (from Monday, in the precinct's time zone) it came in.
    expected_received, expected_resolved = {}, {}
    for incident in Incident.objects.filter(precinct=precinct_a):
        day = timezone.localtime(incident.reported_at, precinct_a.tzinfo).date()
        monday = day - timedelta(days=day.weekday())
        expected_received[f"{monday:%b} {monday.day}"] = expected_received.get(f"{monday:%b} {monday.day}", 0) + 1
        if incident.status == Status.RESOLVED:
            day = timezone.localtime(incident.resolved_at, precinct_a.tzinfo).date()
            monday = day - timedelta(days=day.weekday())
            key = f"{monday:%b} {monday.day}"
            expected_resolved[key] = expected_resolved.get(key, 0) + 1
    assert {week: n for week, n, _ in table if n} == expected_received
    assert {week: n for week, _, n in table if n} == expected_resolved
    assert sum(n for _, n, _ in table) == 12
    assert sum(n for _, _, n in table) == 5
