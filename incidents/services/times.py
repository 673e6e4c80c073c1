"""The one plausibility window for every time that enters an incident."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import Incident

# How far before the incident a timer may start: the power may have failed before
# anyone opened the app, but not days before.
TIMER_MAX_BACKDATE = dt.timedelta(hours=48)

# Any other time that enters (a figure report's time): from a day before the incident.
INCIDENT_TIME_BACKDATE = dt.timedelta(days=1)

# A phone's or the telephony platform's clock may run a little ahead of ours.
CLOCK_SKEW = dt.timedelta(minutes=2)


def incident_time_check(
    *, incident: Incident, when: dt.datetime, what: str = "time", now=None
) -> None:
    """The one plausibility window for every time that enters an incident (forms, the API,
    services): from shortly before the incident started to now plus a small clock skew.

    A time outside it is a typo or an attack, and a year-1 time with a +14:00 offset
    cannot even be read back from PostgreSQL: every page that loads the row would fail.
    ``what`` is "timer" (may start up to 48 hours before the incident) or "time".
    """
    now = now or timezone.now()
    backdate = TIMER_MAX_BACKDATE if what == "timer" else INCIDENT_TIME_BACKDATE
    if when > now + CLOCK_SKEW:
        raise ValidationError(
            _("Starttidspunktet kan ikke ligge i fremtiden.")
            if what == "timer"
            else _("Tidspunktet kan ikke ligge i fremtiden."),
            code="future",
        )
    if when < incident.started_at - backdate:
        raise ValidationError(
            _("Starttidspunktet kan højst ligge 48 timer før hændelsen startede.")
            if what == "timer"
            else _("Tidspunktet kan højst ligge 24 timer før hændelsen startede."),
            code="too_early",
        )


def _device_time_check(incident, device_written_at):
    # The phone's clock when an offline write was queued: bounded like every time that enters.
    if device_written_at is not None:
        incident_time_check(incident=incident, when=device_written_at)
