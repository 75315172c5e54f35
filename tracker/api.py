"""One error format for the whole API: {"detail": "...", "errors": {field: [messages]}}."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


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
        response.data = {"detail": "Some fields are not valid.", "errors": errors}
    else:
        detail = response.data.get("detail", str(exc)) if isinstance(response.data, dict) else str(exc)
        response.data = {"detail": str(detail), "errors": {}}
    return response
