"""OpenAPI details drf-spectacular cannot see by itself: which errors each
operation can answer (all in the one error format) and how endpoints are grouped."""

from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import AllowAny

from incidents.api.serializers import ConflictSerializer, ErrorSerializer

ERROR_DESCRIPTIONS = {
    400: "The request is not valid, or the rules refuse it. `detail` says why; `errors` names each field at fault.",
    401: "No valid credentials: send `Authorization: Token <key>`, or sign in for a session.",
    403: "Signed in but not allowed: not precinct staff, the wrong role, or (with a session) no CSRF token.",
    404: "No such record, or it belongs to a precinct you are not a member of.",
    409: "Someone else changed the record first, so nothing was applied. `current` is its state now.",
    429: "Too many requests, or too many failed sign-ins. Wait and try again.",
}


class ApiSchema(AutoSchema):
    """Adds each operation's error answers. Views list the ones that depend on
    the request in `error_statuses` ({method: (status, …)}); 401, 403 and 429
    follow from the view's authentication, permissions and throttles."""

    def get_tags(self) -> list[str]:
        tag = getattr(self.view, "api_tag", None)
        return [tag] if tag else super().get_tags()

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status in self._error_statuses():
            if str(status) in responses:
                continue
            serializer = ConflictSerializer if status == 409 else ErrorSerializer
            response = self._get_response_for_code(serializer, str(status), direction=direction)
            response["description"] = ERROR_DESCRIPTIONS[status]
            responses[str(status)] = response
        return dict(sorted(responses.items()))

    def _error_statuses(self) -> set[int]:
        statuses = set(getattr(self.view, "error_statuses", {}).get(self.method, ()))
        if self.view.get_authenticators():
            statuses.add(401)  # a wrong or revoked token, on any endpoint
        if not any(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            statuses.add(403)
        if self.view.get_throttles():
            statuses.add(429)
        return statuses
