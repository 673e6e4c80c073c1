"""Card health: the checks, the command's exit code, and the registration hook."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cards import health
from cards.models import ActionCard, Block, Step
from cards.pdf.services import ensure_bundle
from cards.services import card_publish
from tests.cards.factories import ActionCardFactory, ScenarioBlockFactory, published_version


def messages(card, check):
    return [p.message for p in check(card)]


def run_card_health(*args):
    out = io.StringIO()
    try:
        call_command("card_health", *args, stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


@pytest.mark.django_db
def test_card_health_reports_lenes_missing_phone_and_fails(seeded_card):
    out, error = run_card_health("telefoni")

    assert "FEJL: Lene har intet telefonnummer." in out
    assert "/admin/contacts/person/" in out
    assert error is not None and error.returncode == 1


@pytest.mark.django_db
def test_the_seed_has_exactly_these_problems(seeded_card):
    problems = health.card_problems(seeded_card)

    assert [(p.severity, p.message.split(" ")[0]) for p in problems] == [
        ("error", "Lene"),
        ("error", "Kontaktgruppen"),  # the aarhus.dk list: e-mail only
        ("warning", "Supportlinjen"),  # Miralix helpdesk: no opening hours
        ("warning", "Kortet"),  # no review date
        ("warning", "Der"),  # no printed PDF yet: the render waits for the commit
        ("warning", "Kortet"),  # never tested in an exercise or incident
    ]


@pytest.mark.django_db
def test_a_healthy_card_passes():
    card = ActionCardFactory(next_review=timezone.localdate() + dt.timedelta(days=30))
    ScenarioBlockFactory(scenario__card=card, block__card=card, block__steps__responsibility=True)
    version = published_version(card)
    ensure_bundle(version=version)
    _closed_exercise(version, closed_at=timezone.now() - dt.timedelta(days=30))

    out, error = run_card_health()

    assert error is None, out
    assert "Ingen problemer fundet." in out


def _closed_exercise(version, *, closed_at):
    from incidents.models import Incident

    return Incident.objects.create(
        card_version=version,
        title="Testøvelse",
        is_exercise=True,
        status=Incident.Status.CLOSED,
        started_at=closed_at - dt.timedelta(hours=1),
        closed_at=closed_at,
    )


@pytest.mark.django_db
def test_a_card_not_tested_within_the_period_is_flagged(card, settings):
    settings.CARD_TEST_MAX_MONTHS = 12
    version = card.versions.get(number=1)

    assert messages(card, health.not_tested_recently) == [
        "Kortet er aldrig afprøvet i en øvelse eller hændelse."
    ]
    _closed_exercise(version, closed_at=timezone.now() - dt.timedelta(days=400))
    assert messages(card, health.not_tested_recently)[0].startswith(
        "Kortet er ikke afprøvet i 12 måneder"
    )
    _closed_exercise(version, closed_at=timezone.now() - dt.timedelta(days=10))
    assert messages(card, health.not_tested_recently) == []
    settings.CARD_TEST_MAX_MONTHS = 0
    assert messages(card, health.not_tested_recently) != []


@pytest.mark.django_db
def test_scenario_without_responsible(card):
    scenario = card.scenarios.get()  # its one step is an action: nobody is responsible

    assert messages(card, health.scenario_without_responsible) == [
        f"Scenariet »{scenario.title}« har intet trin med en ansvarlig."
    ]


@pytest.mark.django_db
def test_review_date_past_and_missing(card):
    assert messages(card, health.review_date) == ["Kortet har ingen dato for næste gennemgang."]

    card.next_review = timezone.localdate() - dt.timedelta(days=1)
    [problem] = health.review_date(card)

    assert problem.severity == health.ERROR
    assert problem.message.startswith("Kortet skulle have været gennemgået")


@pytest.mark.django_db
def test_unpublished_changes_are_reported_until_published(card):
    assert health.unpublished_changes(card) == []

    Step.objects.filter(block__card=card).update(text="Ny kladde")
    [problem] = health.unpublished_changes(card)
    assert "ikke er udgivet" in problem.message and "version: 1" in problem.message

    card_publish(card=card)
    assert health.unpublished_changes(card) == []


@pytest.mark.django_db
def test_a_card_never_published_is_an_error():
    card = ActionCard.objects.create(slug="testkort", title="Testkort")
    Block.objects.create(card=card, slug="b")

    [problem] = health.unpublished_changes(card)

    assert problem.severity == health.ERROR


@pytest.mark.django_db
def test_health_reports_a_stale_printed_card(card):
    card_publish(card=card)

    found = [p.message for p in health.card_problems(card)]

    assert any("trykt PDF" in message for message in found)


@pytest.mark.django_db
def test_card_health_of_unknown_card_fails_in_danish():
    with pytest.raises(CommandError, match="intet aktionskort"):
        call_command("card_health", "findes-ikke", stdout=io.StringIO())
