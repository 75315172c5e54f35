"""One error format for the whole API: {"detail": "...", "errors": {field: [messages]}}.

A lost race (409) adds "current": the record's state now, so a client can
show it and try again.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


class Refusal(exceptions.ValidationError):
    """A request the rules refuse (400). `detail` is the message, `errors` names the field at fault."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__({field or "non_field_errors": [message]})
        self.summary = message


class Conflict(exceptions.APIException):
    """Someone else changed the record first (409); nothing was applied. `current` is its state now."""

    status_code = 409
    default_detail = "Someone else changed this first; nothing you sent was applied."
    default_code = "conflict"

    def __init__(self, detail=None, *, current: dict | None = None):
        super().__init__(detail)
        self.current = current


def _flatten(errors) -> dict[str, list[str]]:
    if isinstance(errors, dict):
        flat = {}
        for field, value in errors.items():
            if isinstance(value, dict):
                for sub, messages in _flatten(value).items():
                    flat[f"{field}.{sub}"] = messages
            else:
                flat[field] = [str(m) for m in (value if isinstance(value, list) else [value])]
        return flat
    return {"non_field_errors": [str(m) for m in (errors if isinstance(errors, list) else [errors])]}


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        response.data = {"detail": getattr(exc, "summary", None) or "Some fields are not valid.", "errors": errors}
    else:
        detail = response.data.get("detail", str(exc)) if isinstance(response.data, dict) else str(exc)
        response.data = {"detail": str(detail), "errors": {}}
    if getattr(exc, "current", None) is not None:
        response.data["current"] = exc.current
    return response
