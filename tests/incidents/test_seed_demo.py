"""`manage.py seed_demo` (**contract**): demo precincts, staff, incidents in every state, bulk loads."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from incidents.models import (
    CLOSED_STATUSES,
    OUTCOMES_FOR_STATUS,
    Category,
    FollowUp,
    Incident,
    Outcome,
    Post,
    Status,
)
from incidents.references import normalise_reference
from precincts.models import AuditEntry, Membership, Precinct

User = get_user_model()

SLUGS = ("midtown-north", "harbor", "riverside")
DEMO_PASSWORD = "demo-pass-2026"
PHONE = re.compile(r"\(?\d{3}\)?[ .-]?\d{3}-\d{4}")
HOUSE_NUMBER = re.compile(r"^(?:Outside )?(\d+) ([^,]+)")


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker):
    """The real command, run once for the module (the demo set takes a few seconds)."""
    with django_db_blocker.unblock():
        output = seed()
        yield output
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def demo(demo_output, db):
    return demo_output


def counts() -> dict:
    return {
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "precincts": Precinct.objects.count(),
        "categories": Category.objects.count(),
        "incidents": Incident.objects.count(),
        "followups": FollowUp.objects.count(),
        "audit": AuditEntry.objects.count(),
        "posts": Post.objects.count(),
    }


def test_it_creates_officer_and_supervisor_per_precinct(demo):
    for slug in SLUGS:
        precinct = Precinct.objects.get(slug=slug)
        assert precinct.code and precinct.area and precinct.address and precinct.phone and precinct.about
        assert precinct.timezone == "America/New_York"
        for role in (Membership.Role.OFFICER, Membership.Role.SUPERVISOR):
            user = User.objects.get(username=f"{role}-{slug}")
            assert user.first_name and user.last_name and user.email
            assert list(user.memberships.values_list("precinct__slug", "role")) == [(slug, role)]
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff


def test_it_prints_the_logins_and_the_desk_address(demo):
    for slug in SLUGS:
        assert re.search(rf"officer-{slug}\s+officer\s+.+\s+{DEMO_PASSWORD}", demo)
        assert re.search(rf"supervisor-{slug}\s+supervisor\s+.+\s+{DEMO_PASSWORD}", demo)
    assert re.search(rf"admin\s+superuser\s+.+\s+{DEMO_PASSWORD}", demo)
    assert "http://127.0.0.1:8000/desk/" in demo


@pytest.mark.parametrize(
    "username", [f"{role}-{slug}" for slug in SLUGS for role in ("officer", "supervisor")] + ["admin"]
)
def test_it_lets_every_demo_account_sign_in_with_the_password(demo, client, username):
    response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})

    assert response.status_code == 302, "the sign-in form was refused"
    assert client.session["_auth_user_id"] == str(User.objects.get(username=username).pk)


def test_it_shows_the_officer_their_precincts_incidents_on_the_desk(demo, client):
    client.post(reverse("login"), {"username": "officer-harbor", "password": DEMO_PASSWORD})

    response = client.get(reverse("desk:incident_list"))

    assert response.status_code == 200
    newest = Incident.objects.filter(precinct__slug="harbor").first()
    assert newest.public_summary in response.content.decode()


def test_it_sets_the_password_again_on_every_run(demo):
    output = seed(password="another-pass-2027")

    for username in ["admin", *(f"{r}-{s}" for s in SLUGS for r in ("officer", "supervisor"))]:
        assert User.objects.get(username=username).check_password("another-pass-2027")
    assert "another-pass-2027" in output and DEMO_PASSWORD not in output


def test_it_logs_about_200_incidents_over_every_precinct_and_many_categories(demo):
    assert 195 <= Incident.objects.count() <= 210
    per_precinct = dict(Incident.objects.values_list("precinct__slug").annotate(n=Count("id")))
    assert set(per_precinct) == set(SLUGS)
    assert min(per_precinct.values()) >= 60
    assert Category.objects.count() >= 10
    assert Incident.objects.values("category").distinct().count() >= 10


def test_it_covers_every_status_and_outcome(demo):
    assert set(Incident.objects.values_list("status", flat=True)) == set(Status.values)
    for status in (Status.RESOLVED, Status.NO_ACTION):
        outcomes = set(Incident.objects.filter(status=status).values_list("outcome", flat=True))
        assert outcomes == set(OUTCOMES_FOR_STATUS[status])
    for incident in Incident.objects.filter(status=Status.REFERRED):
        assert incident.referred_to and incident.outcome == Outcome.REFERRED
    for incident in Incident.objects.filter(status=Status.DUPLICATE).select_related("duplicate_of"):
        assert incident.duplicate_of.precinct_id == incident.precinct_id
        assert incident.duplicate_of.reported_at < incident.reported_at
    reopened = FollowUp.objects.filter(from_status__in=CLOSED_STATUSES, to_status=Status.INVESTIGATING)
    assert reopened.values("incident").distinct().count() >= 9
    assert FollowUp.objects.exclude(public_note="").count() > 100


def test_it_gives_every_incident_private_details_kept_out_of_public_text(demo):
    incidents = Incident.objects.prefetch_related("followups", "posts")
    for incident in incidents:
        assert incident.reporter_name and incident.reporter_phone and incident.reporter_email
        assert HOUSE_NUMBER.match(incident.exact_address), incident.exact_address
        assert incident.exact_latitude is not None and incident.exact_longitude is not None
        assert incident.internal_narrative and incident.involved_names
        public = [incident.public_summary, incident.public_location]
        public += [f.public_note for f in incident.followups.all()]
        public += [p.body for p in incident.posts.all()]
        house, street = HOUSE_NUMBER.match(incident.exact_address).groups()
        for text in public:
            for value in incident.private_values():
                assert value not in text, f"{incident.reference}: {value!r} in public text {text!r}"
            assert f"{house} {street}" not in text
            assert "@" not in text and not PHONE.search(text), text


def test_it_records_real_history_spread_over_four_months(demo):
    now = timezone.now()
    for incident in Incident.objects.prefetch_related("followups"):
        history = list(incident.followups.all())
        assert history[0].to_status == Status.NEW
        assert incident.version == len(history)
        assert [h.created_at for h in history] == sorted(h.created_at for h in history)
        assert incident.reported_at <= incident.created_at == history[0].created_at
        assert incident.last_activity_at == history[-1].created_at <= now
        assert incident.reported_at > now - timedelta(days=121)
        last_change = [h for h in history if h.to_status][-1]
        assert last_change.to_status == incident.status
        assert (incident.resolved_at is not None) == (incident.status in CLOSED_STATUSES)
        if incident.resolved_at:
            assert incident.resolved_at == last_change.created_at
        audit = AuditEntry.objects.filter(object_type="incident", object_id=str(incident.pk))
        assert audit.count() == len(history)
    oldest = Incident.objects.order_by("reported_at").first().reported_at
    assert oldest < now - timedelta(days=90)


def test_it_creates_nothing_new_when_run_twice(demo):
    Precinct.objects.filter(slug="harbor").update(name="Harbor (renamed by an admin)")
    before = counts()
    references = set(Incident.objects.values_list("reference", flat=True))

    output = seed()

    assert counts() == before
    assert set(Incident.objects.values_list("reference", flat=True)) == references
    assert Precinct.objects.get(slug="harbor").name == "Harbor (renamed by an admin)"
    assert "already there" in output


def test_it_loads_more_incidents_in_bulk(demo):
    before = set(Incident.objects.values_list("pk", flat=True))

    seed(incidents=50, batch_size=20)

    loaded = Incident.objects.exclude(pk__in=before).prefetch_related("followups")
    assert len(loaded) == 50
    assert len({i.precinct_id for i in loaded}) == 3
    for incident in loaded:
        incident.full_clean()  # field rules, choices and every check constraint
        assert normalise_reference(incident.reference) == incident.reference
        history = list(incident.followups.all())
        assert 1 <= len(history) <= 3
        assert history[0].to_status == Status.NEW
        assert incident.version == len(history)
        assert incident.last_activity_at == history[-1].created_at
        assert [h.to_status for h in history if h.to_status][-1] == incident.status
        if incident.status == Status.DUPLICATE:
            assert incident.duplicate_of.precinct_id == incident.precinct_id
        for value in incident.private_values():
            assert value not in incident.public_summary and value not in incident.public_location


def test_it_adds_bulk_incidents_on_every_run(demo):
    start = Incident.objects.count()

    seed(incidents=10)
    seed(incidents=10)

    assert Incident.objects.count() == start + 20
    assert Incident.objects.values("reference").distinct().count() == start + 20


def test_it_loads_bulk_incidents_into_one_precinct(demo):
    harbor = Precinct.objects.get(slug="harbor")
    before = Incident.objects.filter(precinct=harbor).count()

    seed(incidents=30, precinct="harbor")

    assert Incident.objects.filter(precinct=harbor).count() == before + 30
    assert Incident.objects.count() == before + 30 + Incident.objects.exclude(precinct=harbor).count()


def test_it_refuses_an_unknown_precinct(demo):
    with pytest.raises(CommandError, match="no-such-place"):
        seed(incidents=5, precinct="no-such-place")


def test_it_spreads_bulk_incidents_over_every_status(demo):
    before = set(Incident.objects.values_list("pk", flat=True))

    seed(incidents=400, seed=7)

    loaded = Incident.objects.exclude(pk__in=before)
    assert set(loaded.values_list("status", flat=True)) == set(Status.values)
    assert loaded.values("category").distinct().count() >= 10
    reopened = FollowUp.objects.filter(
        incident__in=loaded, from_status__in=CLOSED_STATUSES, to_status=Status.INVESTIGATING
    )
    assert reopened.exists()
    for incident in loaded.filter(status=Status.DUPLICATE).select_related("duplicate_of"):
        assert incident.duplicate_of.precinct_id == incident.precinct_id
        assert incident.duplicate_of.reported_at <= incident.reported_at


def test_it_leaves_other_precincts_alone_unless_asked(demo, precinct_a, officer):
    seed(incidents=20)
    assert not Incident.objects.filter(precinct=precinct_a).exists()

    seed(incidents=5, precinct="precinct-a")

    loaded = Incident.objects.filter(precinct=precinct_a)
    assert loaded.count() == 5
    assert set(loaded.values_list("created_by", flat=True)) == {officer.pk}
