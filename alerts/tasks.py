"""Celery tasks: thin wrappers that take ids and call the delivery service."""

from celery import shared_task

from alerts import delivery


@shared_task(ignore_result=True)
def delivery_send(delivery_id: int) -> str:
    return delivery.delivery_send(delivery_id=delivery_id)


@shared_task(ignore_result=True)
def deliveries_sweep() -> int:
    return delivery.deliveries_sweep()
