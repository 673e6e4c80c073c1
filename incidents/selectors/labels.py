"""Ages as the dashboard and the wall say them ("for 5 min siden")."""

import datetime as dt

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.formatting import duration_hours_min


def age_label(when: dt.datetime, now: dt.datetime) -> str:
    minutes = int((now - when).total_seconds() // 60)
    if minutes < 1:
        return _("lige nu")
    if minutes < 60:
        return ngettext("for %(n)d min siden", "for %(n)d min siden", minutes) % {"n": minutes}
    return _("for %(d)s siden") % {"d": duration_hours_min(now - when)}
