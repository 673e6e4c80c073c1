from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from config.celery import app as celery_app


def _database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return False, str(exc)
    return True, connection.vendor


def _broker_ok():
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            return True, conn.transport_cls
    except Exception as exc:
        return False, str(exc)


def _answer(request, *, ok: bool, checks: dict) -> JsonResponse:
    """Anyone gets the status; only a signed-in user gets the checks, because their
    details (a broker's host and port, a database error) map the inside for an attacker."""
    body = {"status": "ok" if ok else "error"}
    if request.user.is_authenticated:
        body.update(checks)
    return JsonResponse(body, status=200 if ok else 503)


@login_not_required
@never_cache
def healthz(request):
    """Liveness: this web process answers and reaches its database. The compose
    healthcheck uses it; a broker outage must not get a working web container restarted
    (pages, the log and the figures keep working; the outbox keeps the updates)."""
    db_ok, db_detail = _database_ok()
    checks = {"database": {"ok": db_ok, "detail": db_detail}}
    if settings.DEBUG is False and not db_ok:
        checks["database"]["detail"] = "unavailable"
    return _answer(request, ok=db_ok, checks=checks)


@login_not_required
@never_cache
def readyz(request):
    """Readiness of the background path: the broker answers, a worker swept recently, and
    no due status update message has waited longer than NOTIFY_STUCK_AFTER_SECONDS."""
    from notifications.selectors import delivery_backlog

    db_ok, db_detail = _database_ok()
    broker_ok, broker_detail = _broker_ok()
    backlog = delivery_backlog() if db_ok else {}
    worker_ok = bool(backlog.get("heartbeat_ok"))
    queue_ok = db_ok and not backlog.get("stuck")
    checks = {
        "database": {
            "ok": db_ok,
            "detail": db_detail if settings.DEBUG or db_ok else "unavailable",
        },
        "broker": {"ok": broker_ok, "detail": str(broker_detail)},
        "worker": {"ok": worker_ok, "last_sweep_seconds_ago": backlog.get("heartbeat_age_seconds")},
        "queue": {"ok": queue_ok, "oldest_waiting_seconds": backlog.get("oldest_waiting_seconds")},
    }
    return _answer(request, ok=db_ok and broker_ok and worker_ok and queue_ok, checks=checks)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)
