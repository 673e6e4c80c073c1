"""Downloading the printed card: who may, and that a download is a file, not a render."""

import pypdf
import pytest
from django.urls import reverse

from cards.pdf import services
from cards.services import card_publish
from tests.cards.fake_printing import FAKE_PDF, fake_renders


@pytest.fixture
def fake_render(monkeypatch):
    return fake_renders(monkeypatch, (services,))


def _body(response):
    return b"".join(response.streaming_content)


BUNDLE = reverse("cards_pdf:bundle", kwargs={"card_slug": "telefoni", "number": 1})
SCENARIO = reverse(
    "cards_pdf:scenario",
    kwargs={"card_slug": "telefoni", "number": 1, "scenario_slug": "evakuering-dokk1"},
)


def bundle_url(card):
    return reverse("cards_pdf:bundle", kwargs={"card_slug": card.slug, "number": 1})


def test_urls_are_under_pdf():
    assert BUNDLE == "/pdf/telefoni/v1/"
    assert SCENARIO == "/pdf/telefoni/v1/evakuering-dokk1/"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["editor", "coordinator", "staff_user"])
@pytest.mark.parametrize("url", [BUNDLE, SCENARIO])
def test_every_role_that_reads_the_card_downloads_it(
    client, request, role, url, seeded_card, media_root, fake_render
):
    client.force_login(request.getfixturevalue(role))

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert _body(response) == FAKE_PDF
    assert "aktionskort-telefoni-v1" in response["Content-Disposition"]


@pytest.mark.django_db
def test_a_user_without_a_role_sees_the_no_role_page(
    client, no_role_user, card, media_root, fake_render
):
    client.force_login(no_role_user)

    response = client.get(bundle_url(card))

    assert response.status_code == 403  # issue 17: as on every other page (was 200)
    assert "no_role.html" in [t.name for t in response.templates]
    assert fake_render == []


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client, card, media_root, fake_render):
    response = client.get(bundle_url(card))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_latest_urls_serve_the_newest_version(client, editor, seeded_card, media_root, fake_render):
    card_publish(card=seeded_card)
    client.force_login(editor)

    bundle = client.get(reverse("cards_pdf:bundle_latest", args=["telefoni"]))
    scenario = client.get(
        reverse("cards_pdf:scenario_latest", args=["telefoni", "evakuering-dokk1"])
    )

    assert bundle.status_code == scenario.status_code == 200
    assert "v2" in bundle["Content-Disposition"]
    assert "no-cache" in bundle["Cache-Control"]
    assert fake_render == [("bundle", 2), ("evakuering-dokk1", 2)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/pdf/{card}/v9/",
        "/pdf/ukendt/",
        "/pdf/{card}/v1/ukendt-scenarie/",
        "/pdf/{card}/scenarie/ukendt-scenarie/",
    ],
)
def test_unknown_card_version_or_scenario_is_404(
    client, editor, url, card, media_root, fake_render
):
    client.force_login(editor)
    url = url.format(card=card.slug)

    assert client.get(url).status_code == 404
    assert fake_render == []


@pytest.mark.django_db
def test_post_is_not_allowed(client, editor, card, media_root, fake_render):
    client.force_login(editor)

    assert client.post(bundle_url(card)).status_code == 405


@pytest.mark.django_db
def test_second_download_is_served_from_the_stored_file(
    client, coordinator, seeded_card, media_root, monkeypatch
):
    renders = []
    real = services.render_card_bundle

    def counting(*, version):
        renders.append(version.number)
        return real(version=version)

    monkeypatch.setattr(services, "render_card_bundle", counting)
    client.force_login(coordinator)

    first = _body(client.get(BUNDLE))
    path = services.bundle_path_for(seeded_card.versions.get(number=1))
    mtime = path.stat().st_mtime_ns
    second_response = client.get(BUNDLE)
    second = _body(second_response)

    assert renders == [1]
    assert path.stat().st_mtime_ns == mtime
    assert first == second == path.read_bytes()
    assert len(pypdf.PdfReader(path).pages) > 7
    assert second_response["Cache-Control"] == "private, max-age=86400"
