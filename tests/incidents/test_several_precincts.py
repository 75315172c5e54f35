"""The desk's lists for staff of several precincts: one ordered, limited read per precinct, merged.

`precinct_id IN (…) ORDER BY … LIMIT` reads and sorts every row of every precinct; on PostgreSQL
the lists read each precinct's newest rows in index order and merge them (tracker.keyset.newest_first).
Whatever the database, the pages must hold exactly the rows the plain query gives, in its order.
"""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents import selectors
from incidents.models import Incident, Post, Status
from precincts.models import Membership
from tests.api.conftest import token_client
from tests.factories import MembershipFactory, PrecinctFactory
from tests.incidents.test_desk_views import many
from tests.incidents.test_post_views import LIST as POST_LIST
from tests.incidents.test_post_views import client_for, closed_draft
from tracker.keyset import newest_first

pytestmark = pytest.mark.django_db


@pytest.fixture
def precinct_c(db):
    return PrecinctFactory(name="Precinct C", slug="precinct-c")


@pytest.fixture
def three_precincts(officer, precinct_b, precinct_c):
    """The officer of precinct A, also an officer of B and C."""
    for precinct in (precinct_b, precinct_c):
        MembershipFactory(user=officer, precinct=precinct, role=Membership.Role.OFFICER)
    officer._precinct_roles = None
    return officer


@pytest.fixture
def interleaved(three_precincts, precinct_a, precinct_b, precinct_c, category):
    """30 reports in each precinct, interleaved in time, several sharing a report time across precincts."""
    start = timezone.now() - timedelta(minutes=5)
    rows = []
    for offset, precinct in enumerate((precinct_a, precinct_b, precinct_c)):
        rows += many(
            precinct,
            category,
            three_precincts,
            20,
            newest=start - timedelta(seconds=offset),
            step=timedelta(seconds=3),
        )
        # Ten at the same moments in every precinct: the id decides.
        rows += many(precinct, category, three_precincts, 10, newest=start - timedelta(hours=1), step=timedelta(0))
    return rows


def expected_order(queryset, field):
    return list(queryset.order_by(f"-{field}", "-pk").values_list("pk", flat=True))


def walk(user, **filters) -> list[int]:
    seen, cursor = [], None
    for _ in range(20):
        page = selectors.incident_desk_list(user=user, filters=filters, cursor=cursor, page_size=7)
        seen += [row.pk for row in page.items]
        if not page.has_next:
            return seen
        cursor = page.next_cursor
    raise AssertionError("pagination does not end")


def test_the_plain_list_pages_through_every_report_of_every_precinct_once_in_order(three_precincts, interleaved):
    assert walk(three_precincts) == expected_order(Incident.objects.all(), "reported_at")
    assert len(interleaved) == 90


def test_a_filtered_list_pages_through_the_matching_reports_of_every_precinct(three_precincts, interleaved):
    chosen = [row.pk for row in interleaved[::4]]
    Incident.objects.filter(pk__in=chosen).update(status=Status.INVESTIGATING)

    assert walk(three_precincts, status=Status.INVESTIGATING) == expected_order(
        Incident.objects.filter(pk__in=chosen), "reported_at"
    )


def test_a_precinct_filter_keeps_to_that_precinct(three_precincts, interleaved, precinct_b):
    assert walk(three_precincts, precinct=precinct_b.pk) == expected_order(
        Incident.objects.filter(precinct=precinct_b), "reported_at"
    )


def test_the_lists_never_show_a_precinct_the_user_left(three_precincts, interleaved, precinct_c):
    Membership.objects.filter(user=three_precincts, precinct=precinct_c).delete()
    three_precincts._precinct_roles = None

    assert walk(three_precincts) == expected_order(Incident.objects.exclude(precinct=precinct_c), "reported_at")


def test_one_query_a_page_whatever_the_number_of_precincts(three_precincts, interleaved):
    selectors.incident_desk_list(user=three_precincts, filters={}, cursor=None)
    with CaptureQueriesContext(connection) as captured:
        selectors.incident_desk_list(user=three_precincts, filters={}, cursor=None)
        selectors.incident_desk_list(user=three_precincts, filters={"status": Status.NEW}, cursor=None)
    assert len(captured) == 2


@pytest.fixture
def posts_of_two(supervisor, precinct_a, precinct_b, category, officer):
    """Six posts, three in each of the supervisor's two precincts, alternating in time; two share a moment."""
    MembershipFactory(user=supervisor, precinct=precinct_b, role=Membership.Role.SUPERVISOR)
    other = MembershipFactory(precinct=precinct_b, role=Membership.Role.OFFICER).user
    posts = [closed_draft(officer, precinct_a, category) for _ in range(3)]
    posts += [closed_draft(other, precinct_b, category) for _ in range(3)]
    moment = timezone.now() - timedelta(minutes=1)
    for index, post in enumerate(posts):
        Post.objects.filter(pk=post.pk).update(created_at=moment - timedelta(seconds=(index % 3) * 10 + index // 3))
    Post.objects.filter(pk=posts[4].pk).update(created_at=moment)
    return posts


def test_the_post_list_of_a_supervisor_of_several_precincts_is_in_order(supervisor, posts_of_two):
    response = client_for(supervisor).get(POST_LIST)

    assert response.status_code == 200
    shown = [int(pk) for pk in re.findall(r'href="/desk/posts/(\d+)/"', response.content.decode())]
    assert list(dict.fromkeys(shown)) == expected_order(Post.objects.all(), "created_at")


def test_several_values_read_newest_first_per_value_where_the_database_can(three_precincts, interleaved):
    ids = sorted({row.precinct_id for row in interleaved})
    read = newest_first(
        Incident.objects.values_list("pk", "reported_at"), field="reported_at", size=5, among=("precinct_id", ids)
    )
    sql = str(read.query)

    assert [pk for pk, _ in read] == expected_order(Incident.objects.all(), "reported_at")[:5]
    if connection.features.supports_slicing_ordering_in_compound:  # PostgreSQL: one limited read per precinct
        assert sql.count("UNION ALL") == len(ids) - 1
        assert sql.count("LIMIT 5") == len(ids) + 1
    else:  # SQLite: the IN form
        assert "UNION" not in sql and " IN (" in sql


def test_one_value_reads_without_a_union(three_precincts, interleaved, precinct_a):
    read = newest_first(Incident.objects.all(), field="reported_at", size=5, among=("precinct_id", [precinct_a.pk]))
    assert "UNION" not in str(read.query)
    assert [i.pk for i in read] == expected_order(Incident.objects.filter(precinct=precinct_a), "reported_at")[:5]


# --- the staff API ------------------------------------------------------------------


def api_walk(client, url, key) -> tuple[list, list]:
    """Every row through the `next` links, then back through the `previous` links from the last page."""
    pages, forward = [], []
    while url:
        body = client.get(url).json()
        pages.append(body)
        forward += [row[key] for row in body["results"]]
        url = body["next"]
    backward, url = [], pages[-1]["previous"]
    while url:
        body = client.get(url).json()
        backward = [row[key] for row in body["results"]] + backward
        url = body["previous"]
    return forward, backward + [row[key] for row in pages[-1]["results"]]


@pytest.mark.parametrize("size", [1, 4, 7, 30])
def test_the_api_pages_through_the_reports_of_every_precinct_forward_and_back(three_precincts, interleaved, size):
    # Ten reports of each precinct share a report time: the cursor holds (time, id), so ties at a
    # page boundary are neither skipped nor repeated, whichever way the links go.
    client = token_client(three_precincts)
    expected = list(Incident.objects.order_by("-reported_at", "-pk").values_list("reference", flat=True))

    forward, backward = api_walk(client, f"/api/v1/incidents/?page_size={size}", "reference")

    assert forward == expected
    assert backward == expected


def test_the_api_keeps_its_filters_and_its_scoping_when_merging(three_precincts, interleaved, precinct_b, outsider):
    chosen = [row.pk for row in interleaved[1::3]]
    Incident.objects.filter(pk__in=chosen).update(status=Status.INVESTIGATING)
    client = token_client(three_precincts)

    forward, _ = api_walk(client, "/api/v1/incidents/?page_size=5&status=investigating", "reference")
    only_b, _ = api_walk(client, f"/api/v1/incidents/?page_size=5&precinct={precinct_b.slug}", "reference")
    outsiders, _ = api_walk(token_client(outsider), "/api/v1/incidents/?page_size=5", "reference")

    assert forward == list(
        Incident.objects.filter(pk__in=chosen).order_by("-reported_at", "-pk").values_list("reference", flat=True)
    )
    assert only_b == list(
        Incident.objects.filter(precinct=precinct_b)
        .order_by("-reported_at", "-pk")
        .values_list("reference", flat=True)
    )
    assert set(outsiders) == set(Incident.objects.filter(precinct=precinct_b).values_list("reference", flat=True))


def test_the_api_reads_each_page_in_one_query_merged_where_the_database_can(three_precincts, interleaved):
    client = token_client(three_precincts)
    client.get("/api/v1/incidents/")
    with CaptureQueriesContext(connection) as captured:
        client.get("/api/v1/incidents/?page_size=5")
    lists = [q["sql"] for q in captured.captured_queries if "incidents_incident" in q["sql"] and "LIMIT" in q["sql"]]

    assert len(lists) == 1
    assert ("UNION ALL" in lists[0]) == connection.features.supports_slicing_ordering_in_compound


def test_the_api_lists_the_posts_of_every_precinct_in_order(supervisor, posts_of_two):
    forward, backward = api_walk(token_client(supervisor), "/api/v1/posts/?page_size=4", "id")

    assert forward == backward == expected_order(Post.objects.all(), "created_at")
    assert len(forward) == 6
