"""An incident worked from start to close, as the report tests read it: the state through
the services, the histories as the log events the services write."""

import datetime as dt
import io

from pypdf import PdfReader

from incidents import services
from notifications import services as notification_services
from notifications.models import OutboxMessage
from tests.incidents.factories import LogEntryFactory, incident_close_ticked

HTML_TEXT = "<b>fed</b> & <script>alert(1)</script>"
SUMMARY = "Strømmen kom tilbage kl. 11.40; ingen opkald gik tabt."
DECIDED = "Vi arbejder hjemmefra via VPN, til bygningen åbner igen."
NOT_DONE = "Vi ringede ikke til TDC: mobilnettet virkede."
CHOSEN = "1. scenarie"
NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


def _pdf_pages(data: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def _text(data: bytes) -> str:
    return " ".join(_pdf_pages(data))


def _who(user):
    return user.get_full_name()


def _work_and_close(incident, *, coordinator, staff_user):
    """An incident worked from start to close: the state through the services the app
    uses, the histories as the log events the services write (``LogEntry.event`` + data),
    made with the factory so this test does not depend on how the services word them."""
    _work_the_checklist(incident, coordinator=coordinator, staff_user=staff_user)
    _write_the_log(incident, coordinator=coordinator, staff_user=staff_user)
    _report_figures(incident, staff_user=staff_user)
    _move_the_timer_and_switch_a_line(incident, coordinator=coordinator, staff_user=staff_user)
    _send_updates_some_failed(incident, coordinator=coordinator)
    incident_close_ticked(incident=incident, user=coordinator, summary=SUMMARY)
    incident.refresh_from_db()
    return incident


def _work_the_checklist(incident, *, coordinator, staff_user):
    tasks_ = list(incident.steps.filter(kind="action").order_by("order"))
    services.step_complete(step=tasks_[0], user=staff_user, version=1)
    services.step_assign(step=tasks_[2], user=coordinator, version=1, assignee=staff_user)
    LogEntryFactory(incident=incident, author=coordinator, step_done=True, step=tasks_[1])
    LogEntryFactory(
        incident=incident,
        author=coordinator,
        step_reopened=True,
        step=tasks_[1],
        data={**_step(tasks_[1]), "reason": "Forkert linje valgt"},
    )
    decision = incident.steps.filter(kind="decision").first() or tasks_[-1]
    LogEntryFactory(
        incident=incident, author=coordinator, step_done=True, step=decision, alternative=CHOSEN
    )
    LogEntryFactory(incident=incident, author=coordinator, decision=True, text=DECIDED)
    LogEntryFactory(incident=incident, author=coordinator, omission=True, text=NOT_DONE)


def _write_the_log(incident, *, coordinator, staff_user):
    wrong = services.incident_log_write(
        incident=incident, text="Strømmen gik kl. 10.05", author=staff_user
    )
    services.incident_log_write(
        incident=incident, text="Strømmen gik kl. 10.15", author=staff_user, corrects=wrong
    )
    services.incident_log_write(incident=incident, text=HTML_TEXT, author=coordinator)


def _report_figures(incident, *, staff_user):
    services.figure_report_create(
        incident=incident,
        user=staff_user,
        agents_on_duty=17,
        agents_available=3,
        calls_in_queue=42,
        longest_wait_seconds=754,
        average_wait_seconds=185,
        reported_at=incident.started_at - dt.timedelta(minutes=25),  # before anyone opened it
    )
    services.figure_report_create(
        incident=incident,
        source="Miralix",
        agents_on_duty=15,
        agents_available=9,
        calls_in_queue=5,
        longest_wait_seconds=95,
        average_wait_seconds=40,
    )


def _move_the_timer_and_switch_a_line(incident, *, coordinator, staff_user):
    timer = incident.timers.get()
    LogEntryFactory(
        incident=incident,
        author=staff_user,
        timer_moved=True,
        timer=timer,
        moved_to=timer.started_at - dt.timedelta(minutes=20),
    )
    line = incident.phone_lines.get(line_slug="hovednummer")
    LogEntryFactory(incident=incident, author=coordinator, line_on=True, line=line)
    LogEntryFactory(incident=incident, author=coordinator, line_off=True, line=line)


def _send_updates_some_failed(incident, *, coordinator):
    notification_services.recipient_add_adhoc(
        incident=incident, name="Testperson 7", phone="00001234", user=coordinator
    )
    manual = notification_services.status_update_create(
        incident=incident, reason="manual", user=coordinator
    )
    # Delivered so far: the start's update sent, the manual update's SMS failed for good,
    # and one e-mail sent again after a worker died mid-send (marked "mulig dublet").
    OutboxMessage.objects.filter(update__incident=incident).update(status=OutboxMessage.Status.SENT)
    OutboxMessage.objects.filter(update=manual, channel="sms").update(
        status=OutboxMessage.Status.FAILED, last_error="550 Nummeret findes ikke", attempts=3
    )
    OutboxMessage.objects.filter(update=manual, channel="email").update(possible_duplicate=True)


def _step(step):
    return {"step_id": step.pk, "step_key": step.key, "step_text": step.text}
