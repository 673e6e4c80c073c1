import contextlib
import functools
import os

from celery import Celery
from celery.signals import worker_ready
from celery.worker.consumer import Consumer

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("aktionskort")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Seconds between a worker's attempts to reach a lost broker. Kombu's default grows by
# 2 s per attempt up to 30 s, so a worker could sit idle for half a minute after Redis
# came back; the updates that fell due meanwhile should go out within one beat tick.
BROKER_RECONNECT_MAX_SECONDS = 3


class BrokerReconnectConsumer(Consumer):
    """The worker's consumer, retrying a lost broker every ≤ 3 s instead of ≤ 30 s."""

    def ensure_connected(self, conn):
        conn.ensure_connection = functools.partial(
            conn.ensure_connection,
            interval_start=1,
            interval_step=1,
            interval_max=BROKER_RECONNECT_MAX_SECONDS,
        )
        return super().ensure_connected(conn)


app.conf.worker_consumer = "config.celery:BrokerReconnectConsumer"


@worker_ready.connect
def sweep_when_ready(sender=None, **kwargs):
    """A worker that (re)starts after a crash sweeps at once instead of waiting for beat:
    the messages the dead worker held go out as soon as their leases run out."""
    # The broker may be down; beat's sweep follows anyway.
    with contextlib.suppress(Exception):
        sender.app.send_task("notifications.tasks.outbox_sweep")
