"""The plain-language post templates OpenBlotter ships with, and the drafts they make."""

import inspect
import io
import itertools
import re
from datetime import UTC, datetime

import pytest
from django.core.management import call_command, get_commands

from incidents import checks, demo_data, drafting
from incidents.models import OUTCOMES_FOR_STATUS, Category, Incident, Outcome, Post, PostStatus, PostTemplate, Status
from incidents.post_templates import CATEGORY_TITLES, OUTCOME_SENTENCES, seed_post_templates
from incidents.services.posts import check_post_body
from tests.factories import CategoryFactory, IncidentFactory

pytestmark = pytest.mark.django_db

LOCATIONS = [
    "200 block of W 42nd St",
    "Main St and 5th Ave",
    "Riverside Park entrance at W 96th St",
    "100 block of Elm St",
    "1200 block of Amsterdam Ave",
    "corner of Broadway and W 110th St",
    "E 14th St near Union Square",
    "Flatbush Ave between Church Ave and Linden Blvd",
]
AGENCIES = [
    "the Department of Sanitation",
    "the Department of Transportation",
    "the Department of Buildings",
    "the Department of Environmental Protection",
    "Animal Care Centers of NYC",
    "311",
]
PUBLIC_NOTES = [
    "",
    "The city fixed the streetlight.",
    "Call 311 if it starts again.",
    "The owner moved the car the same day.",
    "Officers will check the block again this weekend.",
]
# (reported, resolved) moments in UTC: month names of every length, a day that is a
# different date in New York, and a year boundary.
MOMENTS = [
    (datetime(2025, 9, 28, 14, 0, tzinfo=UTC), datetime(2025, 9, 30, 23, 59, tzinfo=UTC)),
    (datetime(2025, 5, 1, 3, 30, tzinfo=UTC), datetime(2025, 5, 2, 16, 0, tzinfo=UTC)),
    (datetime(2024, 12, 31, 22, 0, tzinfo=UTC), datetime(2025, 1, 1, 4, 30, tzinfo=UTC)),
    (datetime(2025, 2, 28, 12, 0, tzinfo=UTC), datetime(2025, 3, 9, 7, 30, tzinfo=UTC)),
]
# The status each outcome closes a report into.
OUTCOME_STATUS = {outcome: status for status, outcomes in OUTCOMES_FOR_STATUS.items() for outcome in outcomes}


@pytest.fixture
def demo_categories(db):
    return [CategoryFactory(name=profile.name, slug=profile.slug) for profile in demo_data.CATEGORIES]


@pytest.fixture
def seeded(demo_categories):
    seed_post_templates()
    return demo_categories


def incident_for(template, precinct, *, location, agency, moment):
    """An unsaved closed report that the template would be used for, with private details set."""
    reported, resolved = moment
    category = template.category or Category(name="Fireworks", slug="fireworks")
    return IncidentFactory.build(
        precinct=precinct,
        category=category,
        status=OUTCOME_STATUS[template.outcome],
        outcome=template.outcome,
        referred_to=agency if template.outcome == Outcome.REFERRED else "",
        public_location=location,
        reported_at=reported,
        resolved_at=resolved,
        reporter_name="Maria Gonzalez",
        reporter_phone="(212) 555-0142",
        reporter_email="maria.gonzalez@example.org",
        exact_address="234 Main St, Apt 3",
        involved_names="Dmitri Volkov",
    )


# --- what seeding creates ---------------------------------------------------------------


def test_the_demo_categories_all_have_a_title():
    assert {profile.slug for profile in demo_data.CATEGORIES} == set(CATEGORY_TITLES)
    assert len(CATEGORY_TITLES) == 12


def test_it_seeds_a_template_per_category_and_outcome_and_a_default_per_outcome(seeded):
    pairs = set(PostTemplate.objects.values_list("category__slug", "outcome"))

    expected = {(slug, outcome.value) for slug in CATEGORY_TITLES for outcome in OUTCOME_SENTENCES}
    expected |= {(None, outcome.value) for outcome in OUTCOME_SENTENCES}
    assert pairs == expected
    assert PostTemplate.objects.count() == (12 + 1) * len(OUTCOME_SENTENCES)
    # Every outcome a closing can draft for has a sentence: all but "duplicate".
    assert set(OUTCOME_SENTENCES) == {o for o in Outcome if o != Outcome.DUPLICATE}


def test_it_opens_each_categorys_templates_with_its_title(seeded):
    for template in PostTemplate.objects.select_related("category"):
        if template.category is None:
            assert template.body.startswith("Update on a {category} report")
        else:
            assert template.body.startswith(CATEGORY_TITLES[template.category.slug] + ", {location}")


def test_it_uses_only_known_placeholders(seeded):
    for template in PostTemplate.objects.all():
        assert drafting.unknown_placeholders(template.body) == [], template
        used = set(re.findall(r"\{(\w+)\}", template.body))
        assert used <= set(drafting.PLACEHOLDERS)
        assert "{location}" in template.body
        # Stray braces would print as they are.
        assert template.body.count("{") == template.body.count("}") == len(re.findall(r"\{\w+\}", template.body))
    for template in PostTemplate.objects.filter(outcome=Outcome.REFERRED):
        assert "{agency}" in template.body


def test_it_seeds_nothing_twice_and_keeps_an_edited_template(seeded):
    edited = PostTemplate.objects.get(category__slug="noise", outcome=Outcome.FIXED)
    edited.body = "Our own words for the {location}."
    edited.save()
    default = PostTemplate.objects.get(category=None, outcome=Outcome.WARNING)
    PostTemplate.objects.filter(pk=default.pk).update(body="Edited default, {location}.")
    before = list(PostTemplate.objects.order_by("pk").values_list("pk", "body"))

    assert seed_post_templates() == 0

    assert list(PostTemplate.objects.order_by("pk").values_list("pk", "body")) == before


def test_it_seeds_only_what_is_missing(seeded):
    PostTemplate.objects.filter(category__slug="theft", outcome=Outcome.ARREST).delete()
    CategoryFactory(name="Fireworks", slug="fireworks")

    assert seed_post_templates() == 1 + len(OUTCOME_SENTENCES)

    fireworks = PostTemplate.objects.get(category__slug="fireworks", outcome=Outcome.FIXED)
    assert fireworks.body.startswith("Update on a {category} report")
    assert PostTemplate.objects.filter(category__slug="theft", outcome=Outcome.ARREST).exists()


# --- what the templates draft -----------------------------------------------------------


def test_every_template_drafts_a_post_that_can_go_out(seeded, precinct_a):
    variants = itertools.cycle(itertools.product(AGENCIES, PUBLIC_NOTES, MOMENTS))
    locations = itertools.cycle(LOCATIONS)
    problems = []
    checked = 0
    for template in PostTemplate.objects.select_related("category").order_by("pk"):
        # The defaults with every location; the category templates with the locations in turn.
        for location in LOCATIONS if template.category is None else [next(locations) for _ in range(3)]:
            agency, note, moment = next(variants)
            incident = incident_for(template, precinct_a, location=location, agency=agency, moment=moment)
            body = drafting.render(template.body, drafting.public_context(incident, public_note=note))
            result = check_post_body(body, incident)
            checked += 1
            blocking = [f for f in result.findings if f.severity == checks.BLOCK]
            over = {network: n for network, n in result.lengths.items() if n > checks.LIMITS[network]}
            leftover = re.findall(r"\{\w+\}", body)
            if blocking or over or leftover or location not in body or "  " in body:
                problems.append((template.pk, body, blocking, over, leftover))
            if template.outcome == Outcome.REFERRED:
                assert agency in body
            if note:
                assert note in body
    assert checked == len(OUTCOME_SENTENCES) * (len(LOCATIONS) + 12 * 3)
    assert problems == []


def test_a_template_draft_names_the_local_dates(seeded, precinct_a):
    template = PostTemplate.objects.get(category__slug="noise", outcome=Outcome.FIXED)
    incident = incident_for(template, precinct_a, location="Main St and 5th Ave", agency="", moment=MOMENTS[2])
    # Jan 1, 04:30 UTC is still Dec 31 in New York.
    context = drafting.public_context(incident)
    assert (context["reported_date"], context["closed_date"]) == ("December 31", "December 31")
    assert drafting.draft_text(incident) == (
        "Noise complaint, Main St and 5th Ave (reported December 31): officers followed up and the problem "
        "has been fixed. Thank you for telling us."
    )


def test_a_draft_never_sees_the_reports_private_fields(seeded, precinct_a):
    template = PostTemplate.objects.get(category__slug="noise", outcome=Outcome.FIXED)
    incident = incident_for(template, precinct_a, location="Main St and 5th Ave", agency="", moment=MOMENTS[0])
    context = drafting.public_context(incident, public_note="")
    assert set(context) == set(drafting.PLACEHOLDERS)
    for value in incident.private_values() + [incident.internal_narrative]:
        assert all(value not in shown for shown in context.values())


# --- seed_demo ---------------------------------------------------------------------------


def test_seed_demo_drafts_only_posts_that_can_go_out():
    """Every closed demo report's draft is free of blocking findings (once seed_demo seeds templates)."""
    if "seed_demo" not in get_commands():
        pytest.skip("There is no seed_demo command yet.")
    from incidents.management.commands import seed_demo

    if "seed_post_templates" not in inspect.getsource(seed_demo):
        pytest.skip("seed_demo does not call seed_post_templates yet, so its drafts use no shipped template.")
    call_command("seed_demo", stdout=io.StringIO())
    if not PostTemplate.objects.exists():
        pytest.skip("seed_demo created no post templates.")

    closed = Incident.objects.filter(status__in=[Status.RESOLVED, Status.REFERRED, Status.NO_ACTION])
    assert closed.exists()
    problems = []
    for incident in closed.select_related("precinct", "category"):
        drafts = [drafting.draft_text(incident)]
        drafts += list(
            Post.objects.filter(incident=incident, kind="resolution", status=PostStatus.DRAFT).values_list(
                "body", flat=True
            )
        )
        for body in drafts:
            blocking = [f for f in check_post_body(body, incident).findings if f.severity == checks.BLOCK]
            if blocking:
                problems.append((incident.reference, body, blocking))
    assert problems == []
