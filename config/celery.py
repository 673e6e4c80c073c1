import contextlib
import functools
import os

from celery import Celery
from celery.fixups.django import DjangoFixup, DjangoWorkerFixup
from celery.signals import worker_ready
from celery.worker.consumer import Consumer

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# A worker runs Django's system checks at start, as Celery's Django fix-up does, but not
# the two families that exist to load the web side: the URL checks import every view and
# the template checks every template tag library (pysaml2 alone is ~10 MB). A worker never
# resolves a request, and a worker rendering a 3,000-entry incident report needs that
# memory (issue 13: < 300 MB). Web processes load them anyway; `manage.py check` runs all.
WORKER_SKIPPED_CHECK_TAGS = frozenset({"urls", "templates"})


class WorkerFixup(DjangoWorkerFixup):
    def validate_models(self) -> None:
        from django.core.checks import run_checks
        from django.core.checks.registry import registry

        self.django_setup()
        if os.environ.get("CELERY_SKIP_CHECKS"):
            return
        run_checks(tags=sorted(set(registry.tags_available()) - WORKER_SKIPPED_CHECK_TAGS))


class Fixup(DjangoFixup):
    @property
    def worker_fixup(self) -> DjangoWorkerFixup:
        if self._worker_fixup is None:
            self._worker_fixup = WorkerFixup(self.app)
        return self._worker_fixup

    @worker_fixup.setter
    def worker_fixup(self, value: DjangoWorkerFixup) -> None:
        self._worker_fixup = value


def django_fixup(app: Celery) -> Fixup:
    """Celery's own Django fix-up (celery.fixups.django.fixup), with the checks above."""
    return Fixup(app).install()


app = Celery("aktionskort", fixups=["config.celery:django_fixup"])
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
