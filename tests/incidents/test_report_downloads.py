"""The incident report (issues 6 and 13): the render in the worker, downloads and who may
download, one render at a time."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from incidents import tasks
from incidents.pdf import services as report_services
from incidents.pdf.models import IncidentDocument
from notifications.models import OutboxMessage
from tests.incidents.factories import incident_close_ticked
from tests.incidents.report_world import (
    _text,
)

pytestmark = pytest.mark.django_db


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
    incident_close_ticked(incident=incident, user=coordinator)


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
