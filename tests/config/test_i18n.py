import pytest
from django.conf import settings
from django.urls import reverse


@pytest.mark.django_db
def test_danish_by_default(client):
    html = client.get(reverse("login")).text

    assert '<html lang="da">' in html
    assert "Adgangskode" in html


@pytest.mark.django_db
def test_english_is_available_from_the_language_switch(client):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})

    html = client.get(reverse("login")).text

    assert '<html lang="en">' in html
    assert "Password" in html
    assert "Adgangskode" not in html


def test_settings_are_danish_in_copenhagen():
    assert settings.LANGUAGE_CODE == "da"
    assert settings.TIME_ZONE == "Europe/Copenhagen"
    assert ("en", "English") in settings.LANGUAGES
