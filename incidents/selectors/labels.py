"""Durations, ages and wait times as the dashboard and the wall say them."""

import datetime as dt

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def duration_label(delta: dt.timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(h)d t %(m)d min") % {"h": hours, "m": minutes}
    return _("%(m)d min") % {"m": minutes}


def age_label(when: dt.datetime, now: dt.datetime) -> str:
    minutes = int((now - when).total_seconds() // 60)
    if minutes < 1:
        return _("lige nu")
    if minutes < 60:
        return ngettext("for %(n)d min siden", "for %(n)d min siden", minutes) % {"n": minutes}
    return _("for %(d)s siden") % {"d": duration_label(now - when)}


def wait_label(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"
