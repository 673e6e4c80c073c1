"""Printed cards on disk: paths, atomic writes, the render task, and the health check."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cards import tasks
from cards.management.commands import cardpdf
from cards.models import ActionCard, CardVersion
from cards.pdf import services
from cards.pdf.health import check_printed_pdf_is_current
from cards.pdf.selectors import printed_version_number
from cards.services import card_publish
from printing import files
from tests.cards.fake_printing import FAKE_PDF, fake_renders


@pytest.fixture
def renders(monkeypatch):
    """Count renders and skip WeasyPrint: these tests are about files, not layout."""
    return fake_renders(monkeypatch, (services, cardpdf), numbered=True)


def _version(card, number=1):
    return CardVersion.objects.get(card=card, number=number)


@pytest.mark.django_db
def test_bundle_path_is_per_card_and_version_under_media_root(seeded_card, media_root):
    path = services.bundle_path_for(_version(seeded_card))

    assert path == media_root / "cards" / "telefoni" / "v1" / "telefoni-v1.pdf"


@pytest.mark.django_db
def test_ensure_bundle_renders_once_and_then_serves_the_file(card, media_root, renders):
    version = _version(card)

    first = services.ensure_bundle(version=version)
    mtime = first.stat().st_mtime_ns
    second = services.ensure_bundle(version=version)

    assert first == second
    assert renders == [("bundle", 1)]
    assert second.stat().st_mtime_ns == mtime
    assert first.read_bytes() == FAKE_PDF + b"v1"


@pytest.mark.django_db
def test_a_failed_render_writes_no_file(card, media_root, monkeypatch):
    def broken(*, version):
        raise RuntimeError("layout exploded")

    monkeypatch.setattr(services, "render_card_bundle", broken)
    version = _version(card)

    with pytest.raises(RuntimeError):
        services.ensure_bundle(version=version)
    assert not services.bundle_path_for(version).exists()


@pytest.mark.django_db
def test_a_failed_write_leaves_neither_the_file_nor_a_temporary_one(
    card, media_root, renders, monkeypatch
):
    def disk_full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", disk_full)
    version = _version(card)

    with pytest.raises(OSError, match="No space"):
        services.ensure_bundle(version=version)
    assert list(services.bundle_path_for(version).parent.iterdir()) == []


@pytest.mark.django_db
def test_a_rewrite_replaces_the_file_whole_and_leaves_no_temporary_files(
    seeded_card, media_root, renders
):
    version = _version(seeded_card)
    services.card_bundle_write(version=version)
    services.card_bundle_write(version=version)

    folder = services.bundle_path_for(version).parent
    assert [p.name for p in folder.iterdir()] == ["telefoni-v1.pdf"]
    assert len(renders) == 2


@pytest.mark.django_db
def test_task_renders_bundle_and_every_scenario_card(seeded_card, media_root, renders):
    version = _version(seeded_card)

    tasks.card_bundle_render(version.pk)
    tasks.card_bundle_render(version.pk)  # redelivered: nothing is rendered twice

    assert renders[0] == ("bundle", 1)
    assert len(renders) == 1 + 7
    assert services.bundle_path_for(version).is_file()
    assert services.scenario_card_path_for(version, "evakuering-dokk1").is_file()


@pytest.mark.django_db
def test_task_for_a_deleted_version_does_nothing(media_root, renders):
    tasks.card_bundle_render(987654)

    assert renders == []


@pytest.mark.django_db
def test_schedule_enqueues_only_after_commit(card, monkeypatch, django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr(tasks.card_bundle_render, "delay", queued.append)
    version = _version(card)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.card_bundle_schedule(version=version)
    assert queued == []

    for callback in callbacks:
        callback()
    assert queued == [version.pk]


@pytest.mark.django_db
def test_schedule_survives_a_broker_that_is_down(
    card, monkeypatch, django_capture_on_commit_callbacks
):
    def down(version_id):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.card_bundle_render, "delay", down)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.card_bundle_schedule(version=_version(card))

    assert len(callbacks) == 1  # ran, logged, did not raise


@pytest.mark.django_db
def test_printed_version_and_health_follow_the_files(card, media_root, renders):
    assert printed_version_number(card) is None
    assert check_printed_pdf_is_current(card) == [
        {
            "severity": "warning",
            "message": "Der er endnu ingen trykt PDF af kortet; version 1 er udgivet.",
        }
    ]

    services.ensure_bundle(version=_version(card))
    assert printed_version_number(card) == 1
    assert check_printed_pdf_is_current(card) == []

    card_publish(card=card)
    assert printed_version_number(card) == 1
    assert check_printed_pdf_is_current(card) == [
        {"severity": "warning", "message": "Den trykte PDF er version 1, men version 2 er udgivet."}
    ]

    services.ensure_bundle(version=_version(card, 2))
    assert printed_version_number(card) == 2
    assert check_printed_pdf_is_current(card) == []


@pytest.mark.django_db
def test_a_version_folder_without_its_bundle_does_not_count_as_printed(card, media_root, renders):
    version = _version(card)
    services.ensure_scenario_card(version=version, scenario_slug=card.scenarios.get().slug)

    assert printed_version_number(card) is None


@pytest.mark.django_db
def test_a_card_without_versions_has_no_health_problem(media_root):
    card = ActionCard.objects.create(slug="tom", title="Tomt kort")

    assert check_printed_pdf_is_current(card) == []


@pytest.mark.django_db
def test_command_writes_the_bundle_to_output(card, media_root, renders, tmp_path):
    out = tmp_path / "ud" / f"{card.slug}.pdf"

    call_command("cardpdf", card.slug, "--output", str(out), stdout=io.StringIO())

    assert out.read_bytes() == FAKE_PDF + b"v1"
    assert not services.bundle_path_for(_version(card)).exists()


@pytest.mark.django_db
def test_command_picks_a_version_and_refreshes_the_stored_file(card, media_root, renders):
    card_publish(card=card)

    call_command("cardpdf", card.slug, "--version", "1", stdout=io.StringIO())

    assert renders == [("bundle", 1)]
    assert services.bundle_path_for(_version(card, 1)).is_file()
    assert printed_version_number(card) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["telefoni", "--version", "9"], "Kortet »telefoni« har ingen version 9."),
        (["ukendt"], "Kortet »ukendt« har ingen udgivet version."),
        (["telefoni", "--scenario", "nej"], "Version 1 har intet scenarie »nej«."),
    ],
)
def test_command_explains_what_is_wrong(seeded_card, media_root, renders, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("cardpdf", *args)
    assert renders == []
