"""Writes about sign-in: a user from the provider's claims, and the emergency login's
record and announcement (an outbox of its own rows, delivered by sso.tasks)."""

import datetime as dt
import logging
from dataclasses import dataclass
from functools import partial

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, linebreaks

from core import outbox
from core.tasks_by_name import task_named
from notifications.channels import PermanentFailure, channel_for, delivery_error_for
from notifications.models import Channel
from sso.models import EmergencyLogin, EmergencyNotice, ExternalIdentity
from sso.roles import user_roles_sync
from sso.selectors import emergency_recipients, is_emergency_account

logger = logging.getLogger(__name__)

# Bounds on what a provider's claims can put in our columns.
USERNAME_MAX = 150
NAME_MAX = 150
NOTICE_MAX_ATTEMPTS = 6
NOTICE_LEASE_SECONDS = 30
# The backoff doubles from 10 s: 5 s · 2^attempts, at most 320 s within the six attempts.
NOTICE_RETRY_BASE_SECONDS = 10
NOTICES = outbox.Outbox(
    model=EmergencyNotice, lease_seconds=lambda: NOTICE_LEASE_SECONDS, related=("login__user",)
)


class IdentityConflict(Exception):
    """The provider's username is taken by a local account that must stay local."""


@transaction.atomic
def sso_user_sync(*, issuer, subject, username, email, first_name, last_name, groups):
    """The user for the provider's identity, created just in time; name, e-mail and roles
    follow the provider at every login. Returns None for an identity that would take over
    a superuser or an emergency account (those never sign in through the provider)."""
    User = get_user_model()
    username = username.strip()[:USERNAME_MAX] or subject[:USERNAME_MAX]
    identity = (
        ExternalIdentity.objects.select_related("user")
        .filter(issuer=issuer, subject=subject)
        .first()
    )
    if identity is None:
        user = User.objects.filter(username__iexact=username).first()
        if user is not None and (user.is_superuser or is_emergency_account(user)):
            logger.warning(
                "SSO login for %r refused: a local superuser or emergency account", username
            )
            return None
        if user is None:
            user = User.objects.create_user(username)
        identity = ExternalIdentity.objects.create(user=user, issuer=issuer, subject=subject)
    user = identity.user
    user.email = email[:254]
    user.first_name = first_name[:NAME_MAX]
    user.last_name = last_name[:NAME_MAX]
    user.save(update_fields=["email", "first_name", "last_name"])
    user_roles_sync(user=user, groups=groups)
    ExternalIdentity.objects.filter(pk=identity.pk).update(last_login_at=timezone.now())
    return user


@dataclass(frozen=True)
class NoticeContent:
    """What the e-mail and SMS channels read from a message (as from a StatusUpdate)."""

    subject: str
    body_text: str
    body_html: str
    sms_text: str


def notice_content(login: EmergencyLogin) -> NoticeContent:
    """Always Danish: messages to recipients are."""
    who = login.user.get_full_name() or login.user.get_username()
    when = date_format(timezone.localtime(login.at), "j. F Y \\k\\l. H:i")
    reason = {
        EmergencyLogin.Reason.IDP_UNREACHABLE: "kommunens login svarede ikke",
        EmergencyLogin.Reason.CHOSEN: "nødadgang valgt, selvom kommunens login svarede",
    }.get(login.reason, login.reason)
    text = (
        f"{who} ({login.user.get_username()}) loggede ind i Aktionskort med nødadgang "
        f"{when}.\nÅrsag: {reason}.\nIP-adresse: {login.ip or 'ukendt'}.\n\n"
        "Var det ikke forventet, så deaktivér kontoen i Administration → Brugere."
    )
    return NoticeContent(
        subject=f"Nødadgang brugt i Aktionskort: {who}",
        body_text=text,
        body_html=linebreaks(escape(text)),
        sms_text=f"Aktionskort: {who} loggede ind med nødadgang {when} ({reason}).",
    )


def _notices_enqueue(notice_ids):
    emergency_notice_deliver = task_named("sso.tasks.emergency_notice_deliver")

    for pk in notice_ids:
        try:
            emergency_notice_deliver.apply_async((pk,), retry=False)
        except Exception as exc:  # the broker is down: the sweep sends it later
            logger.warning(
                "Broker unavailable, emergency notice %s waits for the sweep: %s", pk, exc
            )


@transaction.atomic
def emergency_login_record(*, user, ip, reason, path="") -> EmergencyLogin:
    """The audit record of one emergency login and one outbox row per recipient and
    channel (e-mail and SMS), written together; delivery starts after the commit."""
    login = EmergencyLogin.objects.create(
        user=user, ip=ip or None, reason=reason, path=(path or "")[:200]
    )
    notices = []
    for recipient in emergency_recipients():
        addresses = ((Channel.EMAIL, recipient["email"]), (Channel.SMS, recipient["phone"]))
        for channel, address in addresses:
            if address:
                notices.append(
                    EmergencyNotice(
                        login=login,
                        recipient=recipient["user"],
                        channel=channel,
                        address=address,
                        idempotency_key=f"emergency:{login.pk}:{recipient['user'].pk}:{channel}",
                    )
                )
    created = EmergencyNotice.objects.bulk_create(notices)
    if not created:
        logger.error("Emergency login of %s: nobody with an e-mail or phone to tell", user)
    transaction.on_commit(partial(_notices_enqueue, [n.pk for n in created]))
    return login


def _notice_send(notice: EmergencyNotice, on_accepted) -> str:
    return channel_for(notice.channel).send(
        update=notice_content(notice.login),
        address=notice.address,
        reference=notice.idempotency_key,
    )


def _notice_failed(notice: EmergencyNotice, exc: Exception) -> str:
    """A temporary failure waits for the sweep after a backoff; six attempts at most."""
    error = delivery_error_for(exc)
    final = isinstance(error, PermanentFailure) or notice.attempts >= NOTICE_MAX_ATTEMPTS
    delay = outbox.retry_delay(notice.attempts, base=NOTICE_RETRY_BASE_SECONDS)
    EmergencyNotice.objects.filter(pk=notice.pk).update(
        status=EmergencyNotice.Status.FAILED if final else EmergencyNotice.Status.QUEUED,
        last_error=str(error)[:500],
        lease_until=None,
        next_attempt_at=timezone.now() + dt.timedelta(seconds=delay),
    )
    logger.warning(
        "Emergency notice %s failed (%s): %s", notice.idempotency_key, notice.channel, error
    )
    return "failed" if final else "retry"


def emergency_notice_deliver(*, notice_id) -> str:
    """Claim (committed), send with no lock held, confirm: the shared outbox loop.
    Returns what happened; a temporary failure is retried with a backoff by the sweep."""
    notice, outcome = outbox.outbox_row_deliver(
        NOTICES, pk=notice_id, send=_notice_send, failed=_notice_failed
    )
    if notice is None:
        return "skipped"
    if outcome == "sent":
        pending = EmergencyNotice.objects.filter(login_id=notice.login_id).exclude(
            status__in=[EmergencyNotice.Status.SENT, EmergencyNotice.Status.FAILED]
        )
        if not pending.exists():
            EmergencyLogin.objects.filter(pk=notice.login_id, announced_at=None).update(
                announced_at=timezone.now()
            )
    return outcome


def emergency_notices_sweep() -> int:
    """Re-enqueue notices that are due (a retry's backoff passed, the broker was down at
    the login, or a worker died mid-send and its lease ran out). Returns how many."""
    now = timezone.now()
    due = EmergencyNotice.objects.filter(
        status=EmergencyNotice.Status.QUEUED,
        next_attempt_at__lte=now,
        # Not the ones just created: their on_commit enqueue is still on its way.
        login__at__lte=now - dt.timedelta(seconds=5),
    ) | outbox.outbox_rows_expired(NOTICES, now=now)
    ids = list(due.values_list("pk", flat=True)[:500])
    _notices_enqueue(ids)
    return len(ids)
