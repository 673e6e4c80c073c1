"""The footer links the municipality's accessibility statement (webtilgængelighedsloven)."""

import pytest
from django.urls import reverse

STATEMENT = "https://tilgaengelighed.example.invalid/aktionskort"


@pytest.mark.django_db
def test_every_page_links_the_statement_from_the_settings(client, settings, staff_user):
    settings.ACCESSIBILITY_STATEMENT_URL = STATEMENT
    login = client.get(reverse("login")).text
    client.force_login(staff_user)
    home = client.get(reverse("home")).text

    for html in (login, home):
        assert f'<a href="{STATEMENT}">Tilgængelighedserklæring</a>' in html


@pytest.mark.django_db
def test_the_link_is_english_with_the_english_ui(client, settings):
    settings.ACCESSIBILITY_STATEMENT_URL = STATEMENT
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})

    assert f'<a href="{STATEMENT}">Accessibility statement</a>' in client.get(reverse("login")).text


@pytest.mark.django_db
def test_no_link_until_the_statement_url_is_set(client, settings):
    settings.ACCESSIBILITY_STATEMENT_URL = ""
    assert "Tilgængelighedserklæring" not in client.get(reverse("login")).text
