"""Bulk builders for volume tests: hundreds of rows without hundreds of service calls."""

import datetime as dt

from django.db.models import F
from django.utils import timezone

from incidents.models import FigureReport, Incident, IncidentStep, LogEntry


def add_log_entries(incident, n, author=None):
    start = Incident.objects.values_list("last_log_sequence", flat=True).get(pk=incident.pk)
    LogEntry.objects.bulk_create(
        LogEntry(incident=incident, sequence=start + i + 1, text=f"Testindlæg {i}", author=author)
        for i in range(n)
    )
    Incident.objects.filter(pk=incident.pk).update(
        last_log_sequence=F("last_log_sequence") + n, revision=F("revision") + 1
    )


def add_steps(incident, n):
    scenario = incident.scenarios.first()
    IncidentStep.objects.bulk_create(
        IncidentStep(
            incident=incident,
            scenario=scenario,
            key=f"test-{i}/0",
            order=1000 + i,
            block=f"test-{i}",
            kind="action",
            text=f"Testtrin {i}",
        )
        for i in range(n)
    )


def add_figures(incident, n, user=None):
    now = timezone.now()
    FigureReport.objects.bulk_create(
        FigureReport(
            incident=incident,
            reported_at=now - dt.timedelta(minutes=n - i),
            reported_by=user,
            agents_on_duty=20,
            agents_available=i % 20,
            calls_in_queue=i % 37,
            longest_wait_seconds=60 + i,
            average_wait_seconds=30 + i // 2,
        )
        for i in range(n)
    )
