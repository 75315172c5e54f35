"""Who may see and do what. Every staff view and API call starts here.

A precinct is the tenant boundary: staff never learn that another precinct's
non-public records exist (404), and inside their own precinct the wrong role
gets 403.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from precincts.models import Membership, Precinct
from tracker.prepared import PreparedRead


def memberships_of(user) -> dict[int, str]:
    """{precinct_id: role} for the user, cached on the user object for the request."""
    if not user.is_authenticated:
        return {}
    cached = getattr(user, "_precinct_roles", None)
    if cached is None:
        cached = _load_memberships(user)
    return cached


def precinct_names_for(user) -> dict[int, str]:
    """{precinct_id: name} of the user's precincts in name order, from the same query as `memberships_of`."""
    roles = memberships_of(user)
    if not roles:
        return {}
    names = getattr(user, "_precinct_names", None)
    if names is None or names.keys() != roles.keys():
        _load_memberships(user)
        names = user._precinct_names
    return names


# Read on every staff request: compiled once per connection (tracker.prepared).
_membership_rows = PreparedRead(
    Membership,
    lambda user_id: (
        Membership.objects.filter(user_id=user_id, precinct__is_active=True)
        .order_by("precinct__name", "precinct_id")
        .values_list("precinct_id", "role", "precinct__name")
    ),
    -1,
)


def _load_memberships(user) -> dict[int, str]:
    rows = _membership_rows(user.pk)
    user._precinct_roles = {pid: role for pid, role, _ in rows}
    user._precinct_names = {pid: name for pid, _, name in rows}
    return user._precinct_roles


def precinct_ids_for(user, *, role: str | None = None) -> list[int]:
    roles = memberships_of(user)
    return [pid for pid, r in roles.items() if role is None or r == role]


def is_member(user, precinct_id: int) -> bool:
    return precinct_id in memberships_of(user)


def is_supervisor(user, precinct_id: int) -> bool:
    return memberships_of(user).get(precinct_id) == Membership.Role.SUPERVISOR


def require_member(user, precinct_id: int) -> None:
    """404 unless the user belongs to the precinct."""
    if not is_member(user, precinct_id):
        raise Http404("No such record.")


def require_supervisor(user, precinct_id: int) -> None:
    """404 outside the precinct, 403 for an officer inside it."""
    require_member(user, precinct_id)
    if not is_supervisor(user, precinct_id):
        raise PermissionDenied("Only a supervisor of this precinct can do that.")


def require_staff(user) -> None:
    """404 for a signed-in user who belongs to no precinct: there is no desk for them."""
    if not precinct_ids_for(user):
        raise Http404("You are not a member of any precinct.")


def require_supervisor_anywhere(user, message: str) -> None:
    """404 for a user with no precinct, 403 for one who supervises none of theirs."""
    require_staff(user)
    if not precinct_ids_for(user, role=Membership.Role.SUPERVISOR):
        raise PermissionDenied(message)


def precincts_for(user):
    return Precinct.objects.filter(pk__in=precinct_ids_for(user)).order_by("name")
