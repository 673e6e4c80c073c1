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


@login_not_required
@never_cache
def healthz(request):
    db_ok, db_detail = _database_ok()
    broker_ok, broker_detail = _broker_ok()
    body = {
        "status": "ok" if db_ok and broker_ok else "error",
        "database": {"ok": db_ok, "detail": db_detail},
        "broker": {"ok": broker_ok, "detail": str(broker_detail)},
    }
    if settings.DEBUG is False and not db_ok:
        body["database"]["detail"] = "unavailable"
    return JsonResponse(body, status=200 if db_ok and broker_ok else 503)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)
