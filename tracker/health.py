"""Liveness and readiness probes for the load balancer and the orchestrator."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
@never_cache
def healthz(request):
    """The process is up and serving requests; touches nothing else."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        return f"{type(exc).__name__}: {exc}"
    return None


def _check_broker() -> str | None:
    from tracker.celery import app

    try:
        with app.connection_for_write(url=settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"
    return None


@require_GET
@never_cache
def readyz(request):
    """Ready when the database answers, and the broker too when one is configured."""
    checks = {"database": _check_database()}
    if settings.CELERY_BROKER_URL:
        checks["broker"] = _check_broker()
    else:
        checks["broker"] = None
    ready = all(error is None for error in checks.values())
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {
            "database": "ok" if checks["database"] is None else "error",
            "broker": ("ok" if checks["broker"] is None else "error")
            if settings.CELERY_BROKER_URL
            else "inline (no broker configured)",
        },
    }
    if settings.DEBUG:
        body["errors"] = {name: error for name, error in checks.items() if error}
    return JsonResponse(body, status=200 if ready else 503)
