"""The archive package of a closed incident (issue 13, part 6): PDF/A, data, checksums."""

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from pypdf import PdfReader

from incidents import tasks
from incidents.models import LogEntry
from incidents.pdf.models import IncidentDocument

pytestmark = pytest.mark.django_db

FILES = {"rapport.pdf", "haendelser.json", "haendelser.csv", "tal.csv", "manifest.json"}


@pytest.fixture
def package(closed, tmp_path):
    path = tmp_path / "arkiv.zip"
    call_command("incident_archive", closed.pk, "--output", str(path), stdout=io.StringIO())
    return zipfile.ZipFile(path)


def test_the_package_holds_the_report_the_data_and_a_manifest(package):
    assert set(package.namelist()) == FILES
    assert package.testzip() is None


def test_the_report_is_pdf_a_with_its_fonts_embedded(package):
    reader = PdfReader(io.BytesIO(package.read("rapport.pdf")))

    xmp = reader.xmp_metadata
    assert xmp is not None
    description = xmp.rdf_root.getElementsByTagNameNS(
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "Description"
    )
    pdfaid = "http://www.aiim.org/pdfa/ns/id/"
    claims = {
        (d.getAttributeNS(pdfaid, "part"), d.getAttributeNS(pdfaid, "conformance"))
        for d in description
        if d.hasAttributeNS(pdfaid, "part")
    }
    assert claims == {("3", "A")}
    assert "/OutputIntents" in reader.trailer["/Root"]
    fonts = [
        font.get_object() for page in reader.pages for font in page["/Resources"]["/Font"].values()
    ]
    assert fonts
    for font in fonts:
        descriptors = [d["/FontDescriptor"] for d in font.get("/DescendantFonts", [font])]
        assert all(
            any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3")) for d in descriptors
        ), font


def test_every_checksum_in_the_manifest_is_right(package, closed):
    manifest = json.loads(package.read("manifest.json"))

    assert set(manifest["files"]) == FILES - {"manifest.json"}
    for name, entry in manifest["files"].items():
        data = package.read(name)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), name
        assert entry["bytes"] == len(data)
    version = closed.card_version
    snapshot = json.dumps(
        version.snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    ).encode()
    assert manifest["card_version"]["snapshot_sha256"] == hashlib.sha256(snapshot).hexdigest()
    assert manifest["card_version"]["number"] == version.number
    assert manifest["incident"]["id"] == closed.pk


def test_the_events_round_trip_against_the_database(package, closed):
    events = json.loads(package.read("haendelser.json"))["events"]
    entries = list(closed.log_entries.select_related("author", "corrects").order_by("sequence"))

    assert len(events) == len(entries) > 10
    for event, entry in zip(events, entries, strict=True):
        assert event["sequence"] == entry.sequence
        assert dt.datetime.fromisoformat(event["created_at"]) == entry.created_at
        assert event["event"] == entry.event and event["category"] == entry.category
        assert event["data"] == entry.data and event["text"] == entry.text
        assert event["kind"] == entry.kind
        assert event["author"] == (entry.author.get_username() if entry.author else None)
        assert event["corrects"] == (entry.corrects.sequence if entry.corrects_id else None)
    kinds = {e["event"] for e in events}
    assert {LogEntry.Event.STEP_DONE, LogEntry.Event.LINE_SWITCHED} <= kinds
    assert {e["category"] for e in events} >= {"decision", "omission"}


def test_the_csv_files_hold_every_event_and_figure(package, closed):
    events = list(csv.DictReader(io.StringIO(package.read("haendelser.csv").decode("utf-8-sig"))))
    figures = list(csv.DictReader(io.StringIO(package.read("tal.csv").decode("utf-8-sig"))))

    assert [int(e["sequence"]) for e in events] == list(
        closed.log_entries.order_by("sequence").values_list("sequence", flat=True)
    )
    decided = next(e for e in events if e["category"] == "decision")
    assert decided["text"] and json.loads(decided["data"]) == {}
    assert sorted(int(f["calls_in_queue"]) for f in figures) == sorted(
        closed.figures.values_list("calls_in_queue", flat=True)
    )


def test_a_running_incident_has_no_package(incident, client, coordinator):
    with pytest.raises(CommandError, match="stadig i gang"):
        call_command("incident_archive", incident.pk, stdout=io.StringIO())
    client.force_login(coordinator)

    response = client.get(reverse("incidents:archive", args=[incident.pk]))

    assert response.status_code == 404
    assert not IncidentDocument.objects.filter(incident=incident, kind="archive").exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [("coordinator", 200), ("editor", 403), ("staff_user", 403), ("no_role_user", 403)],
)
def test_only_a_coordinator_downloads_the_package(closed, client, request, who, status):
    client.force_login(request.getfixturevalue(who))

    response = client.get(reverse("incidents:archive", args=[closed.pk]))

    assert response.status_code == status
    assert IncidentDocument.objects.filter(incident=closed, kind="archive").exists() == (
        status == 200
    )


def test_the_coordinator_gets_the_package_the_worker_made(
    closed, client, coordinator, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(tasks.incident_document_render, "delay", queued.append)
    client.force_login(coordinator)
    url = reverse("incidents:archive", args=[closed.pk])

    with django_capture_on_commit_callbacks(execute=True):
        waiting = client.get(url)
    for document_id in queued:
        tasks.incident_document_render(document_id)
    ready = client.get(url)

    assert "Arkivpakken laves nu." in waiting.content.decode()
    assert ready["Content-Type"] == "application/zip"
    assert "attachment" in ready["Content-Disposition"]
    body = b"".join(ready.streaming_content)
    assert set(zipfile.ZipFile(io.BytesIO(body)).namelist()) == FILES
