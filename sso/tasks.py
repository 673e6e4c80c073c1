"""Celery tasks: thin wrappers that take ids and call a service."""

from celery import shared_task

from sso import services


@shared_task(ignore_result=True)
def emergency_notice_deliver(notice_id: int) -> str:
    return services.emergency_notice_deliver(notice_id=notice_id)


@shared_task(ignore_result=True)
def emergency_notices_sweep() -> int:
    return services.emergency_notices_sweep()
