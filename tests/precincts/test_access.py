"""Who may see and do what: 404 outside a precinct, 403 for the wrong role inside it."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from precincts import access
from precincts.models import Membership
from tests.factories import MembershipFactory, PrecinctFactory, UserFactory

User = get_user_model()


def fresh(user):
    """The same user as a new object, as the next request would load it (no cached roles)."""
    return User.objects.get(pk=user.pk)


def test_it_lists_the_officers_precinct_and_role(officer, precinct_a, precinct_b):
    assert access.memberships_of(officer) == {precinct_a.pk: Membership.Role.OFFICER}


def test_it_lists_the_supervisors_precinct_and_role(supervisor, precinct_a, precinct_b):
    assert access.memberships_of(supervisor) == {precinct_a.pk: Membership.Role.SUPERVISOR}


def test_it_lists_the_outsiders_own_precinct_only(outsider, precinct_a, precinct_b):
    assert access.memberships_of(outsider) == {precinct_b.pk: Membership.Role.SUPERVISOR}


@pytest.mark.django_db
def test_it_gives_an_anonymous_visitor_no_precincts(precinct_a):
    assert access.memberships_of(AnonymousUser()) == {}


def test_it_gives_a_user_without_memberships_no_precincts(precinct_a):
    assert access.memberships_of(UserFactory()) == {}


def test_it_lists_every_precinct_of_a_user_with_several(officer, precinct_a, precinct_b):
    MembershipFactory(user=officer, precinct=precinct_b, role=Membership.Role.SUPERVISOR)
    officer = fresh(officer)
    assert access.memberships_of(officer) == {
        precinct_a.pk: Membership.Role.OFFICER,
        precinct_b.pk: Membership.Role.SUPERVISOR,
    }
    assert access.is_member(officer, precinct_a.pk)
    assert access.is_member(officer, precinct_b.pk)
    assert not access.is_supervisor(officer, precinct_a.pk)
    assert access.is_supervisor(officer, precinct_b.pk)
    with pytest.raises(PermissionDenied):
        access.require_supervisor(officer, precinct_a.pk)
    access.require_supervisor(officer, precinct_b.pk)


def test_it_answers_membership_questions_from_one_query(officer, precinct_a, precinct_b, django_assert_num_queries):
    officer = fresh(officer)
    with django_assert_num_queries(1):
        assert access.is_member(officer, precinct_a.pk)
        assert not access.is_member(officer, precinct_b.pk)
        access.require_member(officer, precinct_a.pk)
        with pytest.raises(PermissionDenied):
            access.require_supervisor(officer, precinct_a.pk)


@pytest.mark.parametrize(
    ("actor", "in_a", "in_b"),
    [
        ("officer", True, False),
        ("supervisor", True, False),
        ("outsider", False, True),
        ("anonymous", False, False),
    ],
)
def test_it_says_who_is_a_member(request, precinct_a, precinct_b, actor, in_a, in_b):
    user = AnonymousUser() if actor == "anonymous" else request.getfixturevalue(actor)
    assert access.is_member(user, precinct_a.pk) is in_a
    assert access.is_member(user, precinct_b.pk) is in_b


@pytest.mark.parametrize("actor", ["officer", "supervisor"])
def test_it_lets_members_through_require_member(request, precinct_a, actor):
    access.require_member(request.getfixturevalue(actor), precinct_a.pk)


@pytest.mark.parametrize("actor", ["outsider", "anonymous"])
def test_it_hides_the_precinct_from_non_members_with_404(request, precinct_a, precinct_b, actor):
    user = AnonymousUser() if actor == "anonymous" else request.getfixturevalue(actor)
    with pytest.raises(Http404):
        access.require_member(user, precinct_a.pk)


def test_it_hides_a_precinct_that_does_not_exist_with_404(officer, precinct_a):
    with pytest.raises(Http404):
        access.require_member(officer, precinct_a.pk + 1000)


def test_it_lets_the_supervisor_do_supervisor_work(supervisor, precinct_a):
    access.require_supervisor(supervisor, precinct_a.pk)


def test_it_refuses_supervisor_work_to_an_officer_with_403(officer, precinct_a):
    with pytest.raises(PermissionDenied):
        access.require_supervisor(officer, precinct_a.pk)


@pytest.mark.parametrize("actor", ["outsider", "anonymous"])
def test_it_hides_supervisor_work_outside_the_precinct_with_404(request, precinct_a, precinct_b, actor):
    user = AnonymousUser() if actor == "anonymous" else request.getfixturevalue(actor)
    # 404, not 403: a non-member must not learn the precinct has anything there.
    with pytest.raises(Http404):
        access.require_supervisor(user, precinct_a.pk)


def test_it_hides_other_precincts_even_from_a_supervisor_elsewhere(outsider, supervisor, precinct_a, precinct_b):
    with pytest.raises(Http404):
        access.require_supervisor(outsider, precinct_a.pk)
    with pytest.raises(Http404):
        access.require_supervisor(supervisor, precinct_b.pk)


@pytest.mark.parametrize("actor", ["officer", "supervisor"])
def test_it_gives_nothing_for_membership_in_an_inactive_precinct(request, precinct_a, actor):
    user = request.getfixturevalue(actor)
    precinct_a.is_active = False
    precinct_a.save(update_fields=["is_active"])
    user = fresh(user)

    assert access.memberships_of(user) == {}
    assert not access.is_member(user, precinct_a.pk)
    assert not access.is_supervisor(user, precinct_a.pk)
    assert access.precinct_ids_for(user) == []
    assert list(access.precincts_for(user)) == []
    with pytest.raises(Http404):
        access.require_member(user, precinct_a.pk)
    with pytest.raises(Http404):
        access.require_supervisor(user, precinct_a.pk)


def test_it_keeps_active_precincts_when_another_is_inactive(officer, precinct_a):
    closed = PrecinctFactory(name="Closed", slug="closed", code="CL", is_active=False)
    MembershipFactory(user=officer, precinct=closed, role=Membership.Role.SUPERVISOR)
    officer = fresh(officer)
    assert access.memberships_of(officer) == {precinct_a.pk: Membership.Role.OFFICER}
    with pytest.raises(Http404):
        access.require_supervisor(officer, closed.pk)


def test_it_lists_precinct_ids_by_role(officer, precinct_a, precinct_b):
    MembershipFactory(user=officer, precinct=precinct_b, role=Membership.Role.SUPERVISOR)
    officer = fresh(officer)
    assert sorted(access.precinct_ids_for(officer)) == sorted([precinct_a.pk, precinct_b.pk])
    assert access.precinct_ids_for(officer, role=Membership.Role.OFFICER) == [precinct_a.pk]
    assert access.precinct_ids_for(officer, role=Membership.Role.SUPERVISOR) == [precinct_b.pk]
    assert [p.name for p in access.precincts_for(officer)] == ["Precinct A", "Precinct B"]


def test_it_names_the_users_precincts_from_the_membership_query(
    officer, precinct_a, precinct_b, django_assert_num_queries
):
    closed = PrecinctFactory(name="Closed", slug="closed", code="CL", is_active=False)
    MembershipFactory(user=officer, precinct=precinct_b, role=Membership.Role.SUPERVISOR)
    MembershipFactory(user=officer, precinct=closed)
    officer = fresh(officer)
    with django_assert_num_queries(1):
        assert list(access.precinct_names_for(officer).items()) == [
            (precinct_a.pk, "Precinct A"),
            (precinct_b.pk, "Precinct B"),
        ]
        access.require_supervisor(officer, precinct_b.pk)


def test_it_names_no_precinct_for_a_user_without_one(precinct_a):
    assert access.precinct_names_for(AnonymousUser()) == {}
    assert access.precinct_names_for(UserFactory()) == {}


def test_it_names_the_precincts_again_after_the_roles_are_forgotten(officer, precinct_a, precinct_b):
    officer = fresh(officer)
    assert list(access.precinct_names_for(officer)) == [precinct_a.pk]
    MembershipFactory(user=officer, precinct=precinct_b)
    officer._precinct_roles = None  # only the roles are reset; the names must not be left stale
    assert list(access.precinct_names_for(officer)) == [precinct_a.pk, precinct_b.pk]
