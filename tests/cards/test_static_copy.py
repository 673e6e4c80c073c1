"""The copy that needs no server (issue 15, part 4): one self-contained HTML file."""

import html
import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cards import services, tasks
from cards.models import CardVersion
from cards.snapshots import CardSnapshot
from cards.static_copy import static_copy_path_for

pytestmark = pytest.mark.django_db

ATTRIBUTE = re.compile(r"""\b(?:src|href|action|srcset|poster|data)\s*=\s*["']?([^"'\s>]*)""", re.I)
LOCAL = ("#", "data:", "tel:", "mailto:")


def _words(markup: str) -> str:
    text = re.sub(r"<style.*?</style>|<[^>]+>", " ", markup, flags=re.S)
    return " ".join(html.unescape(text).split())


def _export_static(card, tmp_path):
    path = tmp_path / "kopi.html"
    call_command("export_static", "--card", card.slug, "--output", str(path), stdout=io.StringIO())
    return path.read_text(encoding="utf-8")


@pytest.fixture
def copy(seeded_card, tmp_path):
    return _export_static(seeded_card, tmp_path)


def test_the_copy_has_no_script_and_no_address_outside_the_file(card, tmp_path):
    copy = _export_static(card, tmp_path)
    assert "<script" not in copy.lower() and "javascript:" not in copy.lower()
    assert "@import" not in copy and not re.search(r"url\(\s*['\"]?(?!data:)", copy)
    addresses = ATTRIBUTE.findall(copy)
    assert addresses  # the table of contents links inside the file
    outside = [a for a in addresses if not a.startswith(LOCAL)]
    assert outside == []
    assert "<style>" in copy  # the stylesheets are inline


def test_the_copy_holds_every_step_and_contact_version_and_date(copy, seeded_card):
    version = CardVersion.objects.get(card=seeded_card)
    snapshot = CardSnapshot(version.snapshot)
    text = _words(copy)

    steps = [s for sc in snapshot.scenarios() for s in sc.steps] + snapshot.footer_steps()
    assert len(steps) > 20
    # Tags (a phone number set bold) count as spaces here: compare without any.
    dense = re.sub(r"\s+", "", text)
    missing = [s.text[:60] for s in steps if re.sub(r"\s+", "", s.text) not in dense]
    assert missing == []
    for person in snapshot.people.values():
        assert person["name"] in text, person["name"]
        if person.get("phone"):
            digits = re.sub(r"\D", "", person["phone"])[-8:]
            assert digits in re.sub(r"\D", "", text), person["name"]
    for scenario in snapshot.scenarios():
        assert scenario.title in text
    published = timezone.localtime(version.published_at)
    assert f"Version {version.number}" in text
    assert f"{published.day}. " in text and f"{published:%Y} kl. {published:%H:%M}" in text


def test_a_publish_writes_the_copy_again(card, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(
        tasks.card_static_copy_write, "delay", lambda pk: tasks.card_static_copy_write(pk)
    )
    monkeypatch.setattr(tasks.card_bundle_render, "delay", lambda pk: None)

    with django_capture_on_commit_callbacks(execute=True):
        version = services.card_publish(card=card, note="Testudgivelse")

    path = static_copy_path_for(card)
    assert version.number == 2
    assert "Version 2" in _words(path.read_text(encoding="utf-8"))


def test_every_reader_downloads_the_copy(card, client, staff_user):
    client.force_login(staff_user)

    response = client.get(reverse("cards:static_copy", args=[card.slug]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode()
    assert "<script" not in body and card.title in body
