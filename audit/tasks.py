"""Celery tasks: thin wrappers that call a service."""

from celery import shared_task

from audit import services


@shared_task(ignore_result=True)
def access_records_purge() -> int:
    """Daily from beat (``audit-purge`` in settings): the log is kept only as long as set."""
    return services.access_records_purge()
