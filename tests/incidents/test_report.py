"""The incident report (issues 6 and 13): content from events, the decision summary,
languages, tagging, the render in the worker, downloads, permissions."""

import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from incidents import services, tasks
from incidents.pdf import selectors as report_selectors
from incidents.pdf import services as report_services
from incidents.pdf.documents import render_incident_report
from incidents.pdf.models import IncidentDocument
from notifications import services as notification_services
from notifications.models import OutboxMessage
from tests.conftest import require
from tests.incidents.conftest import POWER
from tests.incidents.factories import LogEntryFactory

pytestmark = pytest.mark.django_db

HTML_TEXT = "<b>fed</b> & <script>alert(1)</script>"
SUMMARY = "Strømmen kom tilbage kl. 11.40; ingen opkald gik tabt."
DECIDED = "Vi arbejder hjemmefra via VPN, til bygningen åbner igen."
NOT_DONE = "Vi ringede ikke til TDC: mobilnettet virkede."
CHOSEN = "1. scenarie"
NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


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

    wrong = services.incident_log_write(
        incident=incident, text="Strømmen gik kl. 10.05", author=staff_user
    )
    services.incident_log_write(
        incident=incident, text="Strømmen gik kl. 10.15", author=staff_user, corrects=wrong
    )
    services.incident_log_write(incident=incident, text=HTML_TEXT, author=coordinator)
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
    services.incident_close(
        incident=incident,
        user=coordinator,
        summary=SUMMARY,
        announcements_off=True,
        crisis_team_informed=True,
        yammer_posted=True,
    )
    incident.refresh_from_db()
    return incident


def _step(step):
    return {"step_id": step.pk, "step_key": step.key, "step_text": step.text}


@pytest.fixture
def closed(incident, coordinator, staff_user, media_root):
    return _work_and_close(incident, coordinator=coordinator, staff_user=staff_user)


def test_report_has_timeline_checklist_figures_deliveries_and_summary(
    closed, coordinator, staff_user
):
    text = _text(render_incident_report(incident=closed))

    assert closed.title in text
    assert SUMMARY in text
    # Timeline: manual entries, the correction pointing back, system events from data.
    assert "Strømmen gik kl. 10.05" in text and "Strømmen gik kl. 10.15" in text
    wrong, right = closed.log_entries.filter(text__startswith="Strømmen gik").order_by("sequence")
    assert f"Retter #{wrong.sequence}" in text
    assert f"Rettet i #{right.sequence}" in text
    assert "Infobesked »Nedbrud« slået til på" in text and "skiftet tilbage til normal" in text
    # Phone lines and timers, with their history from the events.
    assert "»Nedbrud« slået til" in text and "tilbage til normal" in text
    moved = f"flyttede {_who(staff_user)} starten fra"
    assert moved in text
    # Checklist: who ticked, who was assigned, the undo reason.
    done = closed.steps.get(done_by=staff_user)
    assert re.search(re.escape(done.text[:40]) + r".{0,200}?" + re.escape(_who(staff_user)), text)
    assert "Forkert linje valgt" in text
    assert f"Tildelt: {_who(staff_user)}" in text
    # Figures, as reported, and the chart captions.
    assert "42 i kø" in text and "længste 12:34" in text and "gns. 3:05" in text
    assert "Miralix" in text and "Opkald i kø" in text and "Ledige medarbejdere" in text
    # Deliveries: every message with its recipient, channel, address and state.
    messages = OutboxMessage.objects.filter(update__incident=closed).select_related("recipient")
    for m in messages:
        row = f"{m.recipient.name} {m.get_channel_display()} {m.address} {m.get_status_display()}"
        assert row in text
    assert {m.status for m in messages} == {"sent", "failed", "queued"}
    assert "Fejlet 3 forsøg 550 Nummeret findes ikke" in text
    assert "Sendt mulig dublet" in text and "1 mulig dublet" in text
    assert "Hændelsen er afsluttet – sidste opdatering" in text
    assert "Sendt manuelt" in text and "Testperson 7" in text and "00001234" in text
    # The card version it ran on, and the closing checklist.
    assert f"version {closed.card_version.number}" in text
    assert "☑ Krisekommunikationsteamet informeret" in text
    assert "ØVELSE" not in text


def _section(text, start, end):
    return text[text.index(start) : text.index(end, text.index(start))]


def test_the_decision_summary_holds_decisions_and_chosen_alternatives_and_omissions(closed):
    text = _text(render_incident_report(incident=closed))

    decisions = _section(text, "Beslutningsreferat", "Undladelser")
    omissions = _section(text, "Undladelser", "Bemanding og ventetider")
    assert DECIDED in decisions and f"valgt: {CHOSEN}" in decisions
    assert NOT_DONE not in decisions and "Strømmen gik" not in decisions
    assert NOT_DONE in omissions and DECIDED not in omissions


def test_the_report_reads_events_not_sentences(closed):
    """A system entry whose text is empty (or says something else) still shows its facts,
    because the report renders type + data; nothing parses a sentence."""
    line = closed.phone_lines.get(line_slug="hovednummer")
    LogEntryFactory(
        incident=closed,
        line_on=True,
        line=line,
        text="et gammelt udsagn, som ikke passer",
        data={
            "line_slug": line.line_slug,
            "line_name": line.name,
            "from_announcement": "",
            "to_announcement": "evakuering",
            "to_announcement_title": "Evakueringsbesked 4711",
        },
    )

    text = _text(render_incident_report(incident=closed))

    assert "»Evakueringsbesked 4711« slået til" in text
    assert "et gammelt udsagn" not in text
    source = (Path(report_selectors.__file__)).read_text()
    assert "import re\n" not in source and "re.compile" not in source


def test_an_english_and_a_danish_session_give_the_same_report(closed):
    with translation.override("en"):
        english_session = render_incident_report(incident=closed, now=NOW)
    with translation.override("da"):
        danish_session = render_incident_report(incident=closed, now=NOW)

    assert _text(english_session) == _text(danish_session)
    assert "Beslutningsreferat" in _text(english_session)


def _facts(text, closed):
    """The facts a report states, whatever its language: numbers, names, free text."""
    sequences = set(closed.log_entries.values_list("sequence", flat=True))
    found = {f"#{n}" for n in sequences if re.search(rf"#{n}\b", text)}
    names = [SUMMARY, DECIDED, NOT_DONE, "Forkert linje valgt", CHOSEN, "Testperson 7"]
    names += [m.address for m in OutboxMessage.objects.filter(update__incident=closed)]
    return found, {n for n in names if n in text}, re.findall(r"\b\d{1,2}:\d\d\b", text)


def test_a_report_in_english_states_the_same_facts(closed):
    danish = _text(render_incident_report(incident=closed, now=NOW))
    english = _text(render_incident_report(incident=closed, language="en", now=NOW))

    assert "Decision summary" in english and "Beslutningsreferat" not in english
    da_facts, en_facts = _facts(danish, closed), _facts(english, closed)
    assert da_facts[0] == en_facts[0] and len(da_facts[0]) == closed.log_entries.count()
    assert da_facts[1] == en_facts[1] and len(da_facts[1]) >= 6
    assert sorted(da_facts[2]) == sorted(en_facts[2])


def test_the_report_is_tagged_pdf_ua(closed):
    reader = PdfReader(io.BytesIO(render_incident_report(incident=closed)))

    catalog = reader.trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "da"
    xmp = reader.xmp_metadata.rdf_root.toxml()
    assert 'pdfuaid:part="1"' in xmp


def test_html_in_a_log_entry_is_printed_as_text(closed):
    text = _text(render_incident_report(incident=closed))

    assert "<b>fed</b> & <script>alert(1)</script>" in text


def test_an_exercise_is_marked_on_every_page(seeded_card, coordinator, staff_user, media_root):
    exercise = services.incident_start(
        card=seeded_card, scenario_slug=POWER, user=coordinator, is_exercise=True
    )
    exercise = _work_and_close(exercise, coordinator=coordinator, staff_user=staff_user)

    pages = _pdf_pages(render_incident_report(incident=exercise))

    assert len(pages) > 1
    assert all("ØVELSE" in page for page in pages), [p[:80] for p in pages]


@pytest.fixture
def queued(monkeypatch):
    """The render tasks that were enqueued (their document ids); run them with ``_work``."""
    ids = []
    monkeypatch.setattr(tasks.incident_document_render, "delay", ids.append)
    return ids


def _work(queued):
    """What the worker does with the queue: run each task once, in order."""
    while queued:
        tasks.incident_document_render(queued.pop(0))


def _render_on_close(incident):
    """The worker's render of the request ``incident_close`` made (its on-commit enqueue
    does not run inside a test's transaction)."""
    doc = IncidentDocument.objects.get(incident=incident, kind="report")
    tasks.incident_document_render(doc.pk)


def _close(incident, coordinator):
    services.incident_close(
        incident=incident,
        user=coordinator,
        announcements_off=True,
        crisis_team_informed=True,
        yammer_posted=True,
    )


def test_closing_requests_the_report_after_commit(
    incident, coordinator, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _close(incident, coordinator)

    doc = IncidentDocument.objects.get(incident=incident, kind="report")
    assert queued == [doc.pk]
    assert doc.status == "pending"


def test_a_broker_that_is_down_does_not_stop_the_close(
    incident, coordinator, monkeypatch, django_capture_on_commit_callbacks
):
    def down(*args):
        raise ConnectionError("broker nede")

    monkeypatch.setattr(tasks.incident_document_render, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        _close(incident, coordinator)

    incident.refresh_from_db()
    assert not incident.is_running


@pytest.fixture
def renders(monkeypatch):
    """Count renders; the bytes are the real document of the incident."""
    calls = []
    real = report_services.document_build

    def counting(*, incident, kind):
        calls.append((incident.pk, kind))
        return real(incident=incident, kind=kind)

    monkeypatch.setattr(report_services, "document_build", counting)
    return calls


def _download(client, url, **headers):
    response = client.get(url, headers=headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def test_a_download_never_renders_it_asks_the_worker_and_waits(
    closed, client, coordinator, renders, queued, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    url = reverse("incidents:report", args=[closed.pk])
    _render_on_close(closed)
    renders.clear()
    OutboxMessage.objects.filter(update__incident=closed, status="queued").update(
        status=OutboxMessage.Status.SENT, sent_at=timezone.now()
    )  # the final update was delivered after the close: the stored report is stale

    with django_capture_on_commit_callbacks(execute=True):
        waiting, body = _download(client, url)
        again, _ = _download(client, url)  # a second tab, a reload: nothing twice

    assert renders == []
    assert waiting.status_code == again.status_code == 200
    assert "Rapporten laves nu." in body.decode()
    assert 'hx-trigger="every 2s"' in body.decode()
    assert len(queued) == 1
    _work(queued)
    ready, pdf = _download(client, url)
    assert renders == [(closed.pk, "report")]
    assert ready["Content-Type"] == "application/pdf"
    assert "I kø" not in _text(pdf)


def test_the_waiting_page_polls_and_is_sent_to_the_file_when_ready(
    closed, client, coordinator, queued, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    url = reverse("incidents:report", args=[closed.pk])
    IncidentDocument.objects.filter(incident=closed).delete()
    queued.clear()

    with django_capture_on_commit_callbacks(execute=True):
        poll, body = _download(client, url, HX_Request="true")
    _work(queued)
    done, _ = _download(client, url, HX_Request="true")

    assert poll.status_code == 200 and body.decode().lstrip().startswith(
        '<div id="document-status"'
    )
    assert done.status_code == 204 and done["HX-Redirect"] == url


def test_redelivered_and_concurrent_tasks_render_once(closed, renders, queued):
    doc = IncidentDocument.objects.get(incident=closed, kind="report")

    tasks.incident_document_render(doc.pk)
    tasks.incident_document_render(doc.pk)  # redelivered after the render finished
    doc.refresh_from_db()
    doc.status, doc.started_at = "rendering", timezone.now()  # another worker is on it
    doc.save()
    tasks.incident_document_render(doc.pk)

    assert renders == [(closed.pk, "report")]
    assert report_services.report_path_for(closed).read_bytes().startswith(b"%PDF")


def test_a_failed_render_says_so_in_danish_and_can_be_retried(
    closed, client, coordinator, monkeypatch, queued, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    url = reverse("incidents:report", args=[closed.pk])
    real = report_services.document_build

    def broken(**kwargs):
        raise OSError("disken er fuld")

    monkeypatch.setattr(report_services, "document_build", broken)
    _render_on_close(closed)
    with django_capture_on_commit_callbacks(execute=True):
        _failed, body = _download(client, url)
    assert queued == []  # a failure is not retried on its own
    assert "Rapporten kunne ikke laves." in body.decode() and "disken er fuld" in body.decode()
    assert "Prøv igen" in body.decode() and "hx-trigger" not in body.decode()

    monkeypatch.setattr(report_services, "document_build", real)
    with django_capture_on_commit_callbacks(execute=True):
        retry = client.post(url)
    _work(queued)
    ready, pdf = _download(client, url)

    assert retry.status_code == 302
    assert ready["Content-Type"] == "application/pdf" and pdf.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("who", "status"),
    [("coordinator", 200), ("editor", 200), ("staff_user", 403), ("no_role_user", 403)],
)
def test_who_may_download_the_report(closed, client, request, who, status, renders):
    _render_on_close(closed)
    client.force_login(request.getfixturevalue(who))

    response = client.get(reverse("incidents:report", args=[closed.pk]))

    assert response.status_code == status
    if who == "no_role_user":
        assert "no_role.html" in [t.name for t in response.templates]
    if status == 200:
        assert response["Content-Type"] == "application/pdf"


def test_anonymous_users_are_sent_to_the_login(closed, client, renders):
    url = reverse("incidents:report", args=[closed.pk])

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert renders == []


def test_a_running_incident_has_no_report_yet(incident, client, coordinator, renders, media_root):
    client.force_login(coordinator)

    response = client.get(reverse("incidents:report", args=[incident.pk]))

    assert response.status_code == 404
    assert "er stadig i gang. Rapporten dannes, når hændelsen er afsluttet." in (
        response.content.decode()
    )
    assert renders == []
    with pytest.raises(CommandError, match="stadig i gang"):
        call_command("incident_report", incident.pk, stdout=io.StringIO())


def test_the_closed_dashboard_links_the_report_for_coordinators_only(
    closed, client, coordinator, staff_user
):
    url = reverse("incidents:report", args=[closed.pk])
    archive = reverse("incidents:archive", args=[closed.pk])
    dashboard = reverse("incidents:dashboard", args=[closed.pk])

    client.force_login(coordinator)
    page = client.get(dashboard).content.decode()
    assert url in page and archive in page
    client.force_login(staff_user)
    page = client.get(dashboard).content.decode()
    assert url not in page and archive not in page


def test_the_command_writes_the_report_to_a_file(closed, tmp_path):
    output = tmp_path / "x.pdf"

    call_command("incident_report", closed.pk, "--output", str(output), stdout=io.StringIO())

    assert SUMMARY in _text(output.read_bytes())
    assert not report_services.report_path_for(closed).exists()


def test_page_one_renders_to_an_image(closed, tmp_path):
    require(shutil.which("pdftoppm") is not None, "pdftoppm (poppler-utils) is not installed")
    pdf = tmp_path / "rapport.pdf"
    pdf.write_bytes(render_incident_report(incident=closed))

    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")],
        check=True,
    )

    png = next(tmp_path.glob("p-*1.png"))
    header = png.read_bytes()[:24]
    width, height = int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
    assert header.startswith(b"\x89PNG")
    assert width > height  # A4 landscape, like every printed document


def test_one_render_at_a_time_per_incident(
    closed, renders, queued, django_capture_on_commit_callbacks
):
    """The archive waits while the report renders, and is queued once the report is done."""
    report = IncidentDocument.objects.get(incident=closed, kind="report")
    with django_capture_on_commit_callbacks(execute=True):
        archive = report_services.incident_document_request(incident=closed, kind="archive")
    queued.clear()
    IncidentDocument.objects.filter(pk=report.pk).update(
        status="rendering", started_at=timezone.now()
    )

    tasks.incident_document_render(archive.pk)  # the report is rendering: wait
    archive.refresh_from_db()
    assert archive.status == "pending" and renders == []

    IncidentDocument.objects.filter(pk=report.pk).update(status="pending", started_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.incident_document_render(report.pk)
    assert renders == [(closed.pk, "report")] and queued == [archive.pk]
    _work(queued)
    archive.refresh_from_db()
    assert archive.status == "ready" and renders[-1] == (closed.pk, "archive")


def test_the_report_shows_the_response_metrics_from_the_events(closed):
    context = report_selectors.incident_report(incident=closed)
    metrics = {m["key"]: m for m in context["metrics"]}
    assert list(metrics) == [
        "first_update",
        "announcement_on",
        "first_figures",
        "all_acknowledged",
        "closed",
    ]
    close = closed.log_entries.get(event="incident_closed").created_at
    assert metrics["closed"]["seconds"] == int((close - closed.started_at).total_seconds())
    assert metrics["all_acknowledged"]["seconds"] is None  # no alert was sent

    text = _text(render_incident_report(incident=closed))
    assert "Responstider" in text and metrics["closed"]["display"] in text
