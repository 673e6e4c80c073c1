"""Celery tasks: thin wrappers that call a service."""

from celery import shared_task

from exercises import services


@shared_task(ignore_result=True)
def injects_tick() -> int:
    """The one beat entry for all running exercises: fires every inject that is due."""
    return services.injects_due_fire()
