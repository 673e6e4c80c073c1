"""Celery tasks: thin wrappers that take ids and call a service."""

from celery import shared_task

from notifications import services


@shared_task(ignore_result=True)
def outbox_message_deliver(message_id: int) -> str:
    return services.outbox_message_deliver(message_id=message_id)


@shared_task(ignore_result=True)
def status_updates_tick() -> int:
    """The one beat entry for all incidents: creates whatever update or reminder is due."""
    return len(services.status_updates_due_create())


@shared_task(ignore_result=True, bind=True)
def outbox_sweep(self) -> int:
    # The worker's name is the heartbeat's key: readiness shows which worker last swept.
    return services.outbox_sweep(worker=self.request.hostname or "worker")
