"""What a status update says: e-mail (text + HTML), SMS and webhook text, in Danish.

Rendered once per update from ``incident_status_summary``; every recipient gets the same
words, and a retried delivery sends exactly what the first attempt would have.

Always in the recipients' language (``RECIPIENT_LANGUAGE``), whatever the language of the
coordinator whose click made the update: the renders (and the summary they read, whose log
lines are rendered from events) run under ``translation.override``. The templates are
Danish throughout; the few ``gettext`` calls here resolve to Danish under the override.
"""

from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.validators import header_safe
from notifications.teams import teams_card_render

# GSM 03.38: the default alphabet (one septet each; Danish æøåÆØÅ are in it) and the
# extension table (escape + character: two septets each).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")
# Per-segment capacity: a single SMS, and each part of a concatenated one (the UDH
# takes 6 bytes of each part).
GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67
SMS_MAX_SEGMENTS = 2
# The crisis communication team, the log keeper and the webhooks' readers read Danish.
RECIPIENT_LANGUAGE = "da"


def in_recipient_language():
    """``with in_recipient_language(): …`` renders everything inside in the recipients'
    language (text, dates and the log lines rendered from events)."""
    return translation.override(RECIPIENT_LANGUAGE)


REASONS = {
    "started": "Hændelsen er startet",
    "scenario_added": "Nyt scenarie tilføjet",
    "closed": "Hændelsen er afsluttet – sidste opdatering",
    "manual": "Sendt manuelt",
    "scheduled": "Planlagt statusopdatering",
}


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def sms_units(text: str) -> tuple[str, int]:
    """(encoding, length in its units): GSM-7 septets, or UTF-16 code units for UCS-2."""
    if is_gsm7(text):
        return "GSM7", sum(2 if c in GSM7_EXTENSION else 1 for c in text)
    return "UCS2", len(text.encode("utf-16-le")) // 2


def sms_segments(text: str) -> int:
    encoding, units = sms_units(text)
    single, part = (GSM7_SINGLE, GSM7_PART) if encoding == "GSM7" else (UCS2_SINGLE, UCS2_PART)
    if units <= single:
        return 1
    return -(-units // part)


def sms_capacity(encoding: str, segments: int = SMS_MAX_SEGMENTS) -> int:
    if encoding == "GSM7":
        return GSM7_SINGLE if segments == 1 else GSM7_PART * segments
    return UCS2_SINGLE if segments == 1 else UCS2_PART * segments


def sms_fit(body: str, link: str, *, max_segments: int = SMS_MAX_SEGMENTS) -> str:
    """``body`` + the link, cut short so the whole fits in ``max_segments`` parts.

    The link always survives; the body is cut at a word boundary where possible and
    marked with an ellipsis.
    """
    tail = f"\n{link}" if link else ""
    full = body + tail
    if sms_segments(full) <= max_segments:
        return full
    for cut in range(len(body), -1, -1):
        head = body[:cut].rstrip()
        space = head.rfind(" ")
        if space > cut * 0.75:
            head = head[:space].rstrip(" ,.;:")
        candidate = head + "..." + tail
        if sms_segments(candidate) <= max_segments:
            return candidate
    return link[: sms_capacity("GSM7", max_segments)]


def minutes_label(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} t {minutes % 60:02d} min"


def wait_label(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def local_time(value) -> str:
    return timezone.localtime(value).strftime("%H:%M")


@dataclass(frozen=True)
class RenderedUpdate:
    subject: str
    body_text: str
    body_html: str
    sms_text: str
    # The Adaptive Card for Teams webhooks (notifications.teams); empty for reminders.
    teams_card: dict = field(default_factory=dict)


def _context(summary: dict, *, reason: str) -> dict:
    now = timezone.now()
    figures = summary.get("latest_figures")
    if figures:
        figures = {
            **figures,
            "reported_time": local_time(figures["reported_at"]),
            "longest_wait": wait_label(figures["longest_wait_seconds"]),
            "average_wait": wait_label(figures["average_wait_seconds"]),
            "age": minutes_label(figures["age_minutes"]),
        }
    timers = [
        {
            **timer,
            "ends_time": local_time(timer["ends_at"]) if timer.get("ends_at") else "",
        }
        for timer in summary.get("running_timers", [])
    ]
    log = [{**e, "time": local_time(e["created_at"])} for e in summary.get("recent_log", [])]
    return {
        "s": summary,
        "reason": reason,
        "reason_label": REASONS.get(reason, reason),
        "is_final": reason == "closed",
        "now_time": local_time(now),
        "started_time": local_time(summary["started_at"]),
        "elapsed": minutes_label(summary["elapsed_minutes"]),
        "scenarios": ", ".join(summary["scenarios"]) or summary["title"],
        "figures": figures,
        "timers": timers,
        "log": log,
    }


def _sms_body(ctx: dict) -> str:
    s = ctx["s"]
    parts = []
    if s["is_exercise"]:
        parts.append("ØVELSE!")
    head = _("Afsluttet") if ctx["is_final"] else _("Status")
    parts.append(f"{head} kl. {ctx['now_time']}: {ctx['scenarios']} ({ctx['elapsed']}).")
    figures = ctx["figures"]
    if figures:
        parts.append(
            f"Bemanding {figures['agents_available']}/{figures['agents_on_duty']} ledige,"
            f" {figures['calls_in_queue']} i kø, længste ventetid {figures['longest_wait']},"
            f" gns. {figures['average_wait']} (tal kl. {figures['reported_time']},"
            f" {figures['age']} gamle)."
        )
    else:
        parts.append("Ingen tal for bemanding og ventetid endnu.")
    if s["open_steps"]:
        parts.append(f"Åbne trin: {len(s['open_steps'])}.")
    for timer in ctx["timers"]:
        state = "overskredet" if timer.get("overdue") else f"til kl. {timer['ends_time']}"
        parts.append(f"{timer['name']}: {state}.")
    return " ".join(parts)


def status_update_render(*, summary: dict, reason: str, next_update_at=None) -> RenderedUpdate:
    with in_recipient_language():
        return _status_update_render(summary=summary, reason=reason, next_update_at=next_update_at)


def _status_update_render(*, summary: dict, reason: str, next_update_at) -> RenderedUpdate:
    ctx = _context(summary, reason=reason)
    prefix = "ØVELSE – " if summary["is_exercise"] else ""
    label = _("Sidste statusopdatering") if ctx["is_final"] else _("Statusopdatering")
    subject = header_safe(f"{prefix}{label}: {ctx['scenarios']} kl. {ctx['now_time']}")
    return RenderedUpdate(
        subject=subject[:300],
        body_text=render_to_string("notifications/email/status_update.txt", ctx),
        body_html=render_to_string("notifications/email/status_update.html", ctx),
        sms_text=sms_fit(_sms_body(ctx), summary["url"]),
        teams_card=teams_card_render(
            ctx, next_update_time=local_time(next_update_at) if next_update_at else ""
        ),
    )


def reminder_render(*, summary: dict, due_at, last_update_at) -> RenderedUpdate:
    with in_recipient_language():
        return _reminder_render(summary=summary, due_at=due_at, last_update_at=last_update_at)


def _reminder_render(*, summary: dict, due_at, last_update_at) -> RenderedUpdate:
    ctx = {
        **_context(summary, reason="reminder"),
        "due_time": local_time(due_at),
        "last_update_time": local_time(last_update_at) if last_update_at else "",
    }
    prefix = "ØVELSE – " if summary["is_exercise"] else ""
    subject = header_safe(
        f"{prefix}Påmindelse: indtast tal for bemanding og ventetid før kl. {ctx['due_time']}"
    )
    sms = (
        f"{'ØVELSE! ' if summary['is_exercise'] else ''}Påmindelse til logfører:"
        f" ingen nye tal for bemanding og ventetid siden sidste statusopdatering."
        f" Næste opdatering kl. {ctx['due_time']} ({ctx['scenarios']})."
    )
    return RenderedUpdate(
        subject=subject[:300],
        body_text=render_to_string("notifications/email/reminder.txt", ctx),
        body_html=render_to_string("notifications/email/reminder.html", ctx),
        sms_text=sms_fit(sms, summary["url"]),
    )
