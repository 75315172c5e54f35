"""Who may call what. The precinct rules themselves live in `precincts.access`
(404 across precincts, 403 for the wrong role) and in the services; these
classes only decide who may reach a staff endpoint at all."""

from rest_framework.permissions import BasePermission

from precincts import access


class IsPrecinctStaff(BasePermission):
    """Signed in and a member of at least one active precinct."""

    message = "Only precinct staff can use this endpoint."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and access.precinct_ids_for(request.user))
