"""Factories for incidents: an incident row with its scenario (``IncidentFactory``), the
LogEntry factory with the event types as traits, and bulk builders for volume tests
(hundreds of rows without hundreds of service calls)."""

import datetime as dt

import factory
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from incidents import services
from incidents.models import FigureReport, Incident, IncidentScenario, IncidentStep, LogEntry

# One plausible figure report (the API's JSON, the service's keywords): the figures a test
# does not name.
GOOD_FIGURES = {
    "agents_on_duty": 10,
    "agents_available": 3,
    "calls_in_queue": 25,
    "longest_wait_seconds": 400,
    "average_wait_seconds": 120,
}


class IncidentScenarioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncidentScenario

    incident = None
    scenario_slug = "stromsvigt-dokk1"
    title = "Strømsvigt på Dokk1"
    reason = "strømsvigt"


class IncidentFactory(factory.django.DjangoModelFactory):
    """An incident on ``card``'s version 1 with one scenario, written straight to the table:
    for tests of what reads an incident (updates, alerts, SMS in, metrics), not of starting
    one (those call ``incident_start``, which also copies the checklist, lines and timers).

        IncidentFactory(card=card, closed=True, minutes=90, scenario__scenario_slug="x")
    """

    class Meta:
        model = Incident
        exclude = ("card", "minutes")
        skip_postgeneration_save = True

    card = None
    minutes = 60  # how long a closed incident ran
    card_version = factory.LazyAttribute(lambda o: o.card.versions.get(number=1))
    title = "Strømsvigt på Dokk1"
    is_exercise = False
    started_at = factory.LazyFunction(timezone.now)
    scenario = factory.RelatedFactory(IncidentScenarioFactory, factory_related_name="incident")

    class Params:
        closed = factory.Trait(
            status=Incident.Status.CLOSED,
            closed_at=factory.LazyAttribute(
                lambda o: o.started_at + dt.timedelta(minutes=o.minutes)
            ),
        )


def small_and_large(*, card, user):
    """Two running incidents on the card's first scenario, for the query-budget tests that
    fill one with a little and the other with a lot and compare what a page costs."""
    slug = card.scenarios.first().slug
    start = services.incident_start
    return tuple(start(card=card, scenario_slug=slug, user=user) for _ in range(2))


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


def figures_report(*, incident, user=None, **figures):
    """Figures reported through ``figure_report_create`` (so the log event and the revisions
    follow): ``GOOD_FIGURES`` but for the ``figures`` the test is about."""
    return services.figure_report_create(
        incident=incident, user=user, **{**GOOD_FIGURES, **figures}
    )


def incident_close_ticked(*, incident, user, **fields):
    """Close ``incident`` through ``incident_close`` with the three checks of the close form
    ticked (announcements off, crisis team informed, Yammer posted)."""
    services.incident_close(
        incident=incident,
        user=user,
        announcements_off=True,
        crisis_team_informed=True,
        yammer_posted=True,
        **fields,
    )


def _system(event, data):
    """The trait of a system entry of ``event``, its data made by ``data(entry)``."""
    return factory.Trait(
        kind=LogEntry.Kind.SYSTEM, event=event, text="", data=factory.LazyAttribute(data)
    )


def _line_switched(*, from_="", to="", title=""):
    """The trait of a phone line switched from one announcement to another ("": none)."""
    return _system(
        LogEntry.Event.LINE_SWITCHED,
        lambda o: {
            "line_slug": o.line.line_slug,
            "line_name": o.line.name,
            "from_announcement": from_,
            "to_announcement": to,
            "to_announcement_title": title,
        },
    )


class LogEntryFactory(factory.django.DjangoModelFactory):
    """A log entry written straight to the table, with its event type and data as the
    services write them (``LogEntry.Event`` documents the keys per type).

    ``sequence`` follows the incident's counter, so mixing factory entries with entries
    written through ``incidents.log`` never collides. Traits set event + data::

        LogEntryFactory(incident=i, step_done=True, step=step, alternative="Wifi")
    """

    class Meta:
        model = LogEntry
        exclude = ("step", "line", "timer", "figure", "update", "alternative", "moved_to")

    incident = None
    author = None
    kind = LogEntry.Kind.MANUAL
    event = LogEntry.Event.NOTE
    category = LogEntry.Category.INFORMATION
    text = factory.Sequence(lambda n: f"Testindlæg {n}")
    data = factory.LazyFunction(dict)
    step = None
    line = None
    timer = None
    figure = None
    update = None
    alternative = ""
    moved_to = None

    class Params:
        decision = factory.Trait(category=LogEntry.Category.DECISION)
        omission = factory.Trait(category=LogEntry.Category.OMISSION)
        action = factory.Trait(category=LogEntry.Category.ACTION)
        step_done = _system(
            LogEntry.Event.STEP_DONE,
            lambda o: {
                **_step_data(o.step),
                "alternative": slugify(o.alternative),
                "alternative_label": o.alternative,
            },
        )
        step_reopened = _system(
            LogEntry.Event.STEP_REOPENED,
            lambda o: {**_step_data(o.step), "reason": "Testbegrundelse"},
        )
        step_assigned = _system(
            LogEntry.Event.STEP_ASSIGNED,
            lambda o: {**_step_data(o.step), "assignee_name": "Testperson 3", "person_slug": ""},
        )
        line_on = _line_switched(to="nedbrud", title="Nedbrud")
        line_off = _line_switched(from_="nedbrud")
        timer_moved = _system(
            LogEntry.Event.TIMER_MOVED,
            lambda o: {
                "timer_id": o.timer.pk,
                "timer_name": o.timer.name,
                "from_started_at": o.timer.started_at.isoformat(),
                "to_started_at": o.moved_to.isoformat(),
            },
        )
        figures = _system(
            LogEntry.Event.FIGURES_REPORTED,
            lambda o: {
                "figure_id": o.figure.pk,
                "agents_on_duty": o.figure.agents_on_duty,
                "agents_available": o.figure.agents_available,
                "calls_in_queue": o.figure.calls_in_queue,
                "longest_wait_seconds": o.figure.longest_wait_seconds,
                "average_wait_seconds": o.figure.average_wait_seconds,
                "source": o.figure.source,
            },
        )
        update_sent = _system(
            LogEntry.Event.UPDATE_SENT,
            lambda o: {
                "update_id": o.update.pk,
                "channel": "email",
                "recipients": o.update.messages.count(),
                "kind": "status",
            },
        )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        incident = kwargs["incident"]
        Incident.objects.filter(pk=incident.pk).update(
            last_log_sequence=F("last_log_sequence") + 1, revision=F("revision") + 1
        )
        kwargs.setdefault(
            "sequence",
            Incident.objects.values_list("last_log_sequence", flat=True).get(pk=incident.pk),
        )
        return super()._create(model_class, *args, **kwargs)


def _step_data(step) -> dict:
    return {"step_id": step.pk, "step_key": step.key, "step_text": step.text}
