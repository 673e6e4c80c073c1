"""The contact list: everyone the cards name, callable from a phone."""

import datetime as dt

import pytest
from django.urls import reverse

from contacts.templatetags.contact_links import linkify, phone_display, tel_href


@pytest.mark.django_db
def test_contact_list_links_numbers_addresses_and_anchors(client, staff_user, seeded_card):
    client.force_login(staff_user)

    html = client.get(reverse("contacts:list")).text

    assert 'id="person-per-ryolf"' in html
    assert 'href="tel:+4529204259"' in html and "29 20 42 59" in html
    assert 'href="mailto:per@aarhus.dk"' in html
    assert 'id="gruppe-aarhus-dk-nedbrud"' in html
    assert 'href="mailto:tinalau@aarhus.dk"' in html
    assert 'id="linje-tdc-support"' in html


@pytest.mark.django_db
def test_contact_list_flags_missing_numbers_and_unknown_hours(client, staff_user, seeded_card):
    client.force_login(staff_user)

    html = client.get(reverse("contacts:list")).text
    lene = html[html.index('id="person-lene"') :]
    lene = lene[: lene.index("</li>")]

    assert "Mangler telefonnummer" in lene
    assert "åbningstid ukendt" in html  # Miralix helpdesk


@pytest.mark.django_db
def test_contact_list_shows_open_state_in_copenhagen(client, staff_user, seeded_card):
    from unittest import mock

    saturday = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)
    client.force_login(staff_user)

    with mock.patch("contacts.views.timezone.now", return_value=saturday):
        html = client.get(reverse("contacts:list")).text

    assert "lukket — åbner mandag kl. 8:00" in html


def test_linkify_escapes_before_linking():
    html = linkify('<img src=x> ring 00001234 eller skriv til a.b@example.invalid & "c"')

    assert "<img" not in html
    assert "&lt;img src=x&gt;" in html
    assert '<a href="tel:+4500001234">00001234</a>' in html
    assert '<a href="mailto:a.b@example.invalid">a.b@example.invalid</a>' in html
    assert "&amp; &quot;c&quot;" in html


def test_linkify_leaves_longer_digit_runs_alone():
    assert "href" not in linkify("sag 123456789 og dato 2026/11/26")


def test_phone_formats():
    assert phone_display("29204259") == "29 20 42 59"
    assert tel_href("29 20 42 59") == "tel:+4529204259"
    assert tel_href("+4529204259") == "tel:+4529204259"
