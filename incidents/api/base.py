"""What every API view shares: the service errors translated into HTTP answers."""

from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny

from incidents.api.permissions import IsPrecinctStaff
from incidents.services import IncidentChanged, PostConflict, Refused
from precincts import access
from tracker.api import Conflict, Refusal
from tracker.keyset import merged_slices


def translate(exc: Exception, field_names: dict[str, str] | None = None) -> Exception:
    """A service's refusal as the API answers it: Refused → 400, a lost race → 409."""
    if isinstance(exc, IncidentChanged):
        current = exc.incident
        return Conflict(exc.message, current={"version": current.version, "status": current.status})
    if isinstance(exc, PostConflict):
        current = exc.post
        return Conflict(exc.message, current={"version": current.version, "status": current.status})
    if isinstance(exc, Refused):
        field = (field_names or {}).get(exc.field, exc.field)
        return Refusal(exc.message, field=field)
    return exc


class ApiView(GenericAPIView):
    """Staff by default; public views say `permission_classes = [AllowAny]`."""

    permission_classes = [IsPrecinctStaff]
    api_tag = "staff"
    # {method: (status, …)} the method can answer besides 401/403/429 (for the schema).
    error_statuses: dict[str, tuple[int, ...]] = {}
    # Service field names that the API spells differently.
    field_names: dict[str, str] = {}

    def handle_exception(self, exc):
        return super().handle_exception(translate(exc, self.field_names))

    def per_precinct(self, queryset):
        """A list of the user's precincts whose pages read each precinct's rows in index order and
        merge them (tracker.keyset.merged_slices), where `precinct_id IN (…)` would sort them all."""
        return merged_slices(queryset, among=("precinct_id", access.precinct_ids_for(self.request.user)))


class NotFoundView(ApiView):
    """Anything else under /api/v1/: a 404 in the API's error format, not the HTML page."""

    permission_classes = [AllowAny]
    schema = None  # not an endpoint

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # credentials and throttles still apply
        raise NotFound()
