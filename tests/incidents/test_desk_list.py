"""The desk's report list as rendered with Jinja2: the same page the Django templates made, in fewer queries."""

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils import dateformat, timezone
from django.utils.text import Truncator

from incidents.forms import IncidentFilterForm
from incidents.models import Category, Status
from incidents.views import desk_time
from precincts.models import Membership
from tests.conftest import login
from tests.factories import CategoryFactory, MembershipFactory
from tests.incidents.test_desk_views import LIST, NEW, listed, many, report_form

pytestmark = pytest.mark.django_db

FILTER_FORM = re.compile(r'<form class="usa-form desk-filters".*?</form>', re.S)


# --- helpers ---------------------------------------------------------------------


class _Tokens(HTMLParser):
    """Tags with their attributes (in any order) and text with its spaces collapsed."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tokens = []

    def handle_starttag(self, tag, attrs):
        attrs = {
            name: "(csrf)" if name == "value" and ("name", "csrfmiddlewaretoken") in attrs else value or ""
            for name, value in attrs
        }
        self.tokens.append(("<", tag, tuple(sorted(attrs.items()))))

    def handle_endtag(self, tag):
        self.tokens.append(("/", tag))

    def handle_data(self, data):
        if text := " ".join(data.split()):
            self.tokens.append(("text", text))


def tokens(html: str) -> list[tuple]:
    parser = _Tokens()
    parser.feed(html)
    parser.close()
    return parser.tokens


def element(tokens_: list[tuple], tag: str, **attrs) -> list[tuple]:
    """The tokens of the first `tag` element with these attributes, its own tags included."""
    wanted = tuple(sorted(attrs.items()))
    start = next(i for i, t in enumerate(tokens_) if t[0] == "<" and t[1] == tag and t[2] == wanted)
    depth = 0
    for end in range(start, len(tokens_)):
        kind, name = tokens_[end][:2]
        depth += (kind == "<" and name == tag) - (kind == "/" and name == tag)
        if depth == 0:
            return tokens_[start : end + 1]
    raise AssertionError(f"<{tag}> is not closed")


def frame(html: str) -> list[tuple]:
    """The page without its title and the content of <main>."""
    page = tokens(html)
    title = page.index(("<", "title", ()))
    page = page[: title + 1] + page[title + 2 :]
    main = element(page, "main", id="main-content", **{"class": "grid-container padding-bottom-6", "tabindex": "-1"})
    start = page.index(main[0])
    return page[: start + 1] + page[start + len(main) - 1 :]


def contains(haystack: list, needle: list) -> bool:
    return any(haystack[i : i + len(needle)] == needle for i in range(len(haystack) - len(needle) + 1))


def categories() -> list[tuple[int, str]]:
    return list(Category.objects.values_list("pk", "name"))


def precincts_of(user) -> list[tuple[int, str]]:
    return list(
        Membership.objects.filter(user=user).order_by("precinct__name").values_list("precinct_id", "precinct__name")
    )


@pytest.fixture
def two_precinct_client(client, officer, precinct_b):
    MembershipFactory(user=officer, precinct=precinct_b)
    return login(client, officer)


# --- the filter form -----------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"after": "not-a-cursor"},
        {"q": 'Smashed <b>"window"</b> & more', "status": Status.INVESTIGATING, "mine": "on", "stale": "on"},
        {"category": "abc", "status": "on_fire", "q": "x" * 101},
        {"mine": "false", "stale": "0"},
    ],
)
def test_it_renders_each_filter_as_the_forms_own_markup_would(officer_client, officer, category, data):
    CategoryFactory(name="Graffiti & tags", slug="graffiti")
    form = IncidentFilterForm(data or None, precincts=precincts_of(officer), categories=categories())
    form.is_valid()

    page = tokens(FILTER_FORM.search(officer_client.get(LIST, data).content.decode()).group())

    for name in ["q", "status", "category", "mine", "stale"]:
        assert contains(page, tokens(form[name].as_field_group())), name
    assert ("<", "select", (("class", "usa-select"), ("id", "id_precinct"), ("name", "precinct"))) not in page


@pytest.mark.parametrize("chosen", ["own", "other", "999", ""])
def test_it_offers_the_precincts_to_staff_of_several(two_precinct_client, officer, precinct_a, precinct_b, chosen):
    value = {"own": str(precinct_a.pk), "other": str(precinct_b.pk)}.get(chosen, chosen)
    form = IncidentFilterForm({"precinct": value}, precincts=precincts_of(officer), categories=categories())
    form.is_valid()

    page = tokens(FILTER_FORM.search(two_precinct_client.get(LIST, {"precinct": value}).content.decode()).group())

    assert contains(page, tokens(form["precinct"].as_field_group()))


def test_it_clears_the_filters_only_when_there_are_some(officer_client):
    assert "Clear filters" not in officer_client.get(LIST).content.decode()
    assert "Clear filters" in officer_client.get(LIST, {"status": Status.NEW}).content.decode()


def test_it_offers_a_new_category_at_once(officer_client):
    # The plain list's filter fields are kept between requests (incidents.views._blank_filter_form).
    assert "Graffiti" not in officer_client.get(LIST).content.decode()
    CategoryFactory(name="Graffiti", slug="graffiti")
    assert ">Graffiti</option>" in officer_client.get(LIST).content.decode()


# --- the rows ------------------------------------------------------------------------


def row_of(response, reference) -> str:
    match = re.search(
        rf'<tr>\s*<th scope="row" data-label="Reference"><a href="/desk/incidents/{reference}/".*?</tr>',
        response.content.decode(),
        re.S,
    )
    assert match, f"no row for {reference}"
    return match.group()


def test_it_shows_a_row_as_the_django_template_did(officer_client, officer, precinct_a, category):
    officer.first_name, officer.last_name = "Dana", "Whitfield"
    officer.save(update_fields=["first_name", "last_name"])
    (incident,) = many(precinct_a, category, officer, 1, assignee=officer, status=Status.ACTION_SCHEDULED)
    local = timezone.localtime(incident.reported_at)

    row = row_of(officer_client.get(LIST), incident.reference)

    assert tokens(row) == tokens(
        f'<tr><th scope="row" data-label="Reference"><a href="/desk/incidents/{incident.reference}/" '
        f'class="desk-ref">{incident.reference}</a></th>'
        f'<td data-label="What"><span class="usa-tag usa-tag--big bg-base-lighter text-ink">Noise</span> '
        f'{incident.public_summary}<br><span class="text-base-dark">{incident.public_location}</span></td>'
        '<td data-label="Status"><span class="desk-status desk-status--action_scheduled">Action scheduled</span></td>'
        '<td data-label="Assigned to">Dana Whitfield</td>'
        f'<td data-label="Reported"><time datetime="{dateformat.format(local, "c")}">'
        f"{dateformat.format(local, 'M j, g:i a')}</time></td></tr>"
    )


def test_it_names_an_assignee_without_a_full_name_by_username(
    officer_client, officer, supervisor, precinct_a, category
):
    supervisor.first_name = supervisor.last_name = ""
    supervisor.save(update_fields=["first_name", "last_name"])
    (assigned,) = many(precinct_a, category, officer, 1, assignee=supervisor)
    (nobodys,) = many(precinct_a, category, officer, 1, newest=timezone.now() - timedelta(hours=1))
    response = officer_client.get(LIST)
    assert '<td data-label="Assigned to">supervisor</td>' in row_of(response, assigned.reference)
    assert '<span class="text-base-dark">Nobody</span>' in row_of(response, nobodys.reference)


@pytest.mark.parametrize(
    "summary",
    [
        "A" * 90,
        "A" * 91,
        "Café " * 30,
        "Cafe\u0301 with a combining accent, " * 4,
        "<script>alert('x')</script> & friends " * 3,
    ],
)
def test_it_cuts_long_summaries_as_truncatechars_does(officer_client, officer, precinct_a, category, summary):
    (incident,) = many(precinct_a, category, officer, 1, public_summary=summary)
    row = row_of(officer_client.get(LIST), incident.reference)
    after_category = tokens(row).index(("text", "Noise")) + 2
    assert tokens(row)[after_category] == ("text", " ".join(Truncator(summary).chars(90).split()))
    assert "<script>" not in row


def test_it_escapes_what_was_typed_into_the_report(officer_client, officer, precinct_a, category):
    (incident,) = many(precinct_a, category, officer, 1, public_location='<img src=x onerror="alert(1)">')
    row = row_of(officer_client.get(LIST), incident.reference)
    assert "&lt;img src=x onerror=" in row
    assert "<img" not in row


def test_it_names_the_precinct_of_each_row_to_staff_of_several_only(
    two_precinct_client, outsider, officer, precinct_b, category
):
    (own,) = many(precinct_b, category, officer, 1, public_location="1 Elm St")
    assert "1 Elm St · Precinct B</span>" in row_of(two_precinct_client.get(LIST), own.reference)
    assert "1 Elm St</span>" in row_of(login(Client(), outsider).get(LIST), own.reference)


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 1, 5, 0, 0, tzinfo=UTC),
        datetime(2026, 3, 8, 7, 30, tzinfo=UTC),  # the night the clocks change in New York
        datetime(2026, 6, 15, 11, 59, tzinfo=UTC),
        datetime(2026, 6, 15, 16, 5, tzinfo=UTC),
        datetime(2026, 11, 25, 17, 0, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
    ],
)
def test_it_writes_times_as_the_date_filter_does(moment):
    local = timezone.localtime(moment)
    assert desk_time(local) == dateformat.format(local, "M j, g:i a")


# --- the frame ------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["officer_client", "supervisor_client"])
def test_it_has_the_frame_of_the_other_desk_pages(request, actor, incident):
    client = request.getfixturevalue(actor)
    jinja = client.get(LIST)
    django = client.get("/desk/posts/")
    assert jinja.status_code == django.status_code == 200
    assert frame(jinja.content.decode()) == frame(django.content.decode())
    assert 'name="csrfmiddlewaretoken"' in jinja.content.decode()


def test_it_shows_messages_as_the_other_desk_pages_do(officer_client, precinct_a, category):
    def message_after_logging_a_report(path):
        assert officer_client.post(NEW, report_form(precinct_a, category)).status_code == 302
        page = tokens(officer_client.get(path).content.decode())
        return element(page, "div", **{"class": "margin-top-2"})

    shown = message_after_logging_a_report(LIST)
    assert any(t[0] == "text" and t[1].endswith("Give the resident this reference.") for t in shown)
    # The same markup as on a Django page, the reference aside.
    assert [t[:1] if t[0] == "text" else t for t in shown] == [
        t[:1] if t[0] == "text" else t for t in message_after_logging_a_report("/desk/posts/")
    ]
    # Shown once.
    assert ("<", "div", (("class", "margin-top-2"),)) not in tokens(officer_client.get(LIST).content.decode())


# --- cost -----------------------------------------------------------------------------


@pytest.mark.parametrize("filtered", [False, True])
def test_it_reads_the_list_in_five_queries(
    two_precinct_client, officer, precinct_a, category, django_assert_num_queries, filtered
):
    many(precinct_a, category, officer, 30)
    query = {"q": "loud", "status": "new", "mine": "on", "category": category.pk, "stale": "on"} if filtered else {}
    # The session, the user, their precincts, the categories, the page.
    with django_assert_num_queries(5):
        response = two_precinct_client.get(LIST, query)
    assert response.status_code == 200
    assert len(listed(response)) == (0 if filtered else 25)
