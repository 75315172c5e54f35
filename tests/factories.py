"""Factories for the test suite. Private fields get recognisable values so leaks are easy to spot."""

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from incidents.models import Category, FollowUp, Incident, Status
from incidents.references import new_reference
from precincts.models import Membership, Precinct

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(PASSWORD)


class PrecinctFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Precinct
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Precinct {n}")
    slug = factory.Sequence(lambda n: f"precinct-{n}")
    code = factory.Sequence(lambda n: f"P{n}")
    area = "Downtown"
    timezone = "America/New_York"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    precinct = factory.SubFactory(PrecinctFactory)
    role = Membership.Role.OFFICER


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class IncidentFactory(factory.django.DjangoModelFactory):
    """An incident written straight to the table; tests of the lifecycle use the services."""

    class Meta:
        model = Incident

    precinct = factory.SubFactory(PrecinctFactory)
    reference = factory.LazyFunction(new_reference)
    category = factory.SubFactory(CategoryFactory)
    status = Status.NEW
    public_summary = "Loud music from a party late at night"
    public_location = "200 block of Main St"
    reported_at = factory.LazyFunction(timezone.now)
    last_activity_at = factory.LazyFunction(timezone.now)
    reporter_name = factory.Sequence(lambda n: f"Reporter Privatename{n}")
    reporter_phone = "(212) 555-0199"
    reporter_email = factory.Sequence(lambda n: f"reporter{n}@private.example")
    exact_address = factory.Sequence(lambda n: f"{200 + n} Main St, Apt 4B")
    internal_narrative = "Private narrative: neighbour at the back door."
    involved_names = "Jordan Privateperson"
    created_by = factory.SubFactory(UserFactory)


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    incident = factory.SubFactory(IncidentFactory)
    author = factory.SubFactory(UserFactory)
    created_at = factory.LazyFunction(timezone.now)
    internal_note = "Private note"
