import contextlib
import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("aktionskort")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def sweep_when_ready(sender=None, **kwargs):
    """A worker that (re)starts after a crash sweeps at once instead of waiting for beat:
    the messages the dead worker held go out as soon as their leases run out."""
    # The broker may be down; beat's sweep follows anyway.
    with contextlib.suppress(Exception):
        sender.app.send_task("notifications.tasks.outbox_sweep")
