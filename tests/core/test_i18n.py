import pytest
from django.conf import settings
from django.urls import reverse


@pytest.mark.django_db
def test_danish_by_default(client):
    html = client.get(reverse("login")).text

    assert '<html lang="da">' in html
    assert "Adgangskode" in html


@pytest.mark.django_db
def test_a_browser_set_to_english_still_gets_danish(client):
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").text

    assert '<html lang="da">' in html


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


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["da", "en"])
def test_the_language_switch_names_each_language_in_its_own_words(client, language):
    """Issue 11 §7: the menu said "engelsk" (Django's Danish name, in lower case)."""
    client.post(reverse("set_language"), {"language": language, "next": reverse("login")})

    html = client.get(reverse("login")).text

    assert ">Dansk</option>" in html
    assert ">English</option>" in html
    assert "engelsk" not in html and "dansk<" not in html
