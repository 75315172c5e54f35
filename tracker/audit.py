"""The audit trail: who did what, when and from where.

`AuditContextMiddleware` remembers the current request's address and user
agent in a context variable, so that services (which take `acting_user` but
never the request) can still record where a change came from.
"""

from contextvars import ContextVar

_request_meta: ContextVar[dict | None] = ContextVar("request_meta", default=None)


def client_meta(request) -> dict:
    return {
        "ip_address": request.META.get("REMOTE_ADDR") or None,
        "user_agent": (request.META.get("HTTP_USER_AGENT") or "")[:300],
    }


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_meta.set(client_meta(request))
        try:
            return self.get_response(request)
        finally:
            _request_meta.reset(token)


def audit_record(*, action, actor=None, username="", precinct=None, obj=None, detail=None, meta=None):
    """Write one audit entry; `meta` defaults to the current request's address."""
    from precincts.models import AuditEntry

    meta = meta or _request_meta.get() or {}
    return AuditEntry.objects.create(
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        username=username or (actor.get_username() if actor is not None and actor.is_authenticated else ""),
        precinct=precinct,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail or {},
        ip_address=meta.get("ip_address"),
        user_agent=meta.get("user_agent", ""),
    )
