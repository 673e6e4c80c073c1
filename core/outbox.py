"""The outbox's delivery loop, written once for every app that sends from one: the status
updates (notifications.OutboxMessage), the alerts and SMS replies (alerts.Delivery) and
the emergency-login notices (sso.EmergencyNotice). Each app keeps its rows, its send
function and what a failure means (its retry policy); this module owns the steps:

1. **Claim** the row in its own committed transaction: state "sending", a lease, one more
   attempt. A row whose lease ran out (its worker died) may be claimed again; that retry
   is marked as a possible duplicate, because the dead attempt may have been accepted by
   the server before it died.
2. **Send** with no database lock held. An outbox whose sends can outlast the lease keeps
   it alive with a lease keeper thread, so a live attempt is never taken over.
3. **Confirm** "sent" with one UPDATE of that row only, right after the server said yes
   (for e-mail after the 250, before QUIT, through ``on_accepted``).

A row model has ``status`` (Status.QUEUED, SENDING, SENT), ``attempts``, ``lease_until``,
``next_attempt_at``, ``possible_duplicate``, ``sent_at``, ``provider_reference`` and
``last_error``; ``attempt_id``, ``first_attempt_at``, ``last_attempt_at``,
``error_class`` and ``enqueued_at`` are kept when the model has them.
"""

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, models, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

# Retry delays never exceed this; the sweep, not a countdown, picks up a long backoff.
MAX_RETRY_DELAY_SECONDS = 600
# The claim takes a row due within this margin (the beat and the clock are not exact).
DUE_MARGIN = dt.timedelta(seconds=1)


@dataclass(frozen=True)
class Outbox:
    """One app's outbox: its row model, the lease of an attempt (read at every claim, so
    a test's settings apply) and what the send reads through the row's relations."""

    model: type[models.Model]
    lease_seconds: Callable[[], float]
    related: tuple[str, ...] = ()

    def has(self, field: str) -> bool:
        return any(f.name == field for f in self.model._meta.concrete_fields)

    def lease(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.lease_seconds())


def retry_delay(attempts: int, *, base: float) -> float:
    """The backoff after a row's ``attempts``-th failed attempt: doubling, capped."""
    return min(base * 2 ** (attempts - 1), MAX_RETRY_DELAY_SECONDS)


def outbox_row_claim(outbox: Outbox, *, pk: int) -> tuple[models.Model | None, str]:
    """Step 1: take the row for one attempt, committed before anything is sent. Returns
    the row and "claimed", or None and why not ("busy", "leased", "done", "not-due")."""
    Status = outbox.model.Status
    now = timezone.now()
    with transaction.atomic():
        row = (
            outbox.model.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related(*outbox.related)
            .filter(pk=pk)
            .first()
        )
        if row is None:
            return None, "busy"
        if row.status == Status.SENDING:
            if row.lease_until and row.lease_until > now:
                return None, "leased"
            # The attempt that held it died after it may have handed the message over.
            row.possible_duplicate = True
        elif row.status != Status.QUEUED:
            return None, "done"
        elif row.next_attempt_at > now + DUE_MARGIN:
            return None, "not-due"
        row.status = Status.SENDING
        row.lease_until = now + outbox.lease()
        row.attempts += 1
        fields = ["status", "lease_until", "attempts", "possible_duplicate"]
        if outbox.has("attempt_id"):
            row.attempt_id = uuid.uuid4()
            fields.append("attempt_id")
        if outbox.has("last_attempt_at"):
            row.last_attempt_at = now
            fields.append("last_attempt_at")
        if outbox.has("first_attempt_at") and row.first_attempt_at is None:
            row.first_attempt_at = now
            fields.append("first_attempt_at")
        row.save(update_fields=fields)
    return row, "claimed"


class LeaseKeeper(threading.Thread):
    """Renews a live attempt's lease every third of it; dies with its process."""

    def __init__(self, outbox: Outbox, *, row):
        super().__init__(daemon=True, name=f"lease-{row.pk}")
        self.outbox = outbox
        self.pk = row.pk
        self.attempt_id = row.attempt_id
        self.finished = threading.Event()

    def run(self):
        period = self.outbox.lease_seconds() / 3
        try:
            while not self.finished.wait(period):
                self.outbox.model.objects.filter(
                    pk=self.pk,
                    attempt_id=self.attempt_id,
                    status=self.outbox.model.Status.SENDING,
                ).update(lease_until=timezone.now() + self.outbox.lease())
        except Exception:
            logger.exception(
                "Could not renew the lease of %s %s", self.outbox.model.__name__, self.pk
            )
        finally:
            # The thread's own database connection, opened only if it renewed.
            connections.close_all()

    def stop(self):
        self.finished.set()


def outbox_row_confirm(outbox: Outbox, *, row, reference) -> None:
    """Step 3: one UPDATE of this row, nothing else, straight after the server said yes.

    Not filtered on the attempt id: if a second attempt took over a slow first one, both
    really sent, and whichever confirms first records it."""
    Status = outbox.model.Status
    done = {
        "status": Status.SENT,
        "sent_at": timezone.now(),
        "provider_reference": str(reference or "")[:200],
        "last_error": "",
        "lease_until": None,
    }
    if outbox.has("error_class"):
        done["error_class"] = ""
    outbox.model.objects.filter(pk=row.pk, status=Status.SENDING).update(**done)


def outbox_row_deliver(
    outbox: Outbox,
    *,
    pk: int,
    send: Callable,
    failed: Callable,
    keep_lease: bool = False,
) -> tuple[models.Model | None, str]:
    """Claim, send, confirm one row; safe to call any number of times for the same row.

    ``send(row, on_accepted)`` returns the provider's reference; a channel that can tell
    when the server accepted (e-mail's 250) calls ``on_accepted(reference)`` first.
    ``failed(row, exc)`` records a failed attempt and returns the outcome ("retry",
    "failed", …). Returns the claimed row (None if not claimed) and the outcome."""
    row, outcome = outbox_row_claim(outbox, pk=pk)
    if row is None:
        return None, outcome
    keeper = LeaseKeeper(outbox, row=row) if keep_lease else None
    if keeper:
        keeper.start()
    accepted = []

    def on_accepted(reference):
        if keeper:
            keeper.stop()
        # From here on the server has it: a failure below must not count as a failed
        # send (that would retry it unmarked); the lease runs out instead and the retry
        # is marked as a possible duplicate.
        accepted.append(reference)
        outbox_row_confirm(outbox, row=row, reference=reference)

    try:
        reference = send(row, on_accepted)
    except Exception as exc:
        if keeper:
            keeper.stop()
        if accepted:
            raise
        return row, failed(row, exc)
    if keeper:
        keeper.stop()
    if not accepted:
        outbox_row_confirm(outbox, row=row, reference=reference)
    return row, "sent"


def outbox_row_current(outbox: Outbox, *, row, related: tuple[str, ...] = ()):
    """The claimed row again, locked, to record a failed attempt; None when a later
    attempt took it over (that attempt decides). Call inside ``transaction.atomic``."""
    current = (
        outbox.model.objects.select_for_update(of=("self",)).select_related(*related).get(pk=row.pk)
    )
    if current.status != outbox.model.Status.SENDING or current.attempt_id != row.attempt_id:
        return None
    return current


def outbox_rows_expired(outbox: Outbox, *, now) -> models.QuerySet:
    """Rows whose lease ran out: their worker died mid-send."""
    return outbox.model.objects.filter(status=outbox.model.Status.SENDING, lease_until__lt=now)


def outbox_rows_waiting(outbox: Outbox, *, cutoff) -> models.QuerySet:
    """Queued rows due since ``cutoff`` with no enqueue since: lost in a broker outage,
    reserved by a dead worker, or after a long backoff."""
    return outbox.model.objects.filter(
        status=outbox.model.Status.QUEUED, next_attempt_at__lte=cutoff
    ).exclude(enqueued_at__gt=cutoff)


def outbox_rows_enqueue(outbox: Outbox, ids, *, task, what: str, **options) -> int:
    """Hand rows to ``task`` over one broker connection. Never raises: a broker outage
    leaves them to the sweep. Records ``enqueued_at`` so the sweep does not enqueue the
    same backlog again at once."""
    ids = list(ids)
    if not ids:
        return 0
    sent = []
    try:
        with task.app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
            for pk in ids:
                task.apply_async((pk,), connection=connection, **options)
                sent.append(pk)
    except Exception as exc:
        logger.warning(
            "Broker unavailable, %d %s left for the sweep: %s", len(ids) - len(sent), what, exc
        )
    if sent:
        outbox.model.objects.filter(pk__in=sent).update(enqueued_at=timezone.now())
    return len(sent)
