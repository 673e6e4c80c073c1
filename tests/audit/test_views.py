"""The access-log search: "who looked up this phone number?", for administrators only."""

import pytest
from django.urls import reverse

from audit.models import AccessRecord
from audit.services import access_record
from tests.contacts.factories import PersonFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = reverse("audit:search")


@pytest.fixture
def looked_up():
    person = PersonFactory(slug="testperson-opslag", phone="00003333", phone_secondary="00003334")
    reader = UserFactory(username="testlaeser")
    access_record(user=reader, action=AccessRecord.Action.READ, obj=person)
    access_record(user=reader, action=AccessRecord.Action.READ, obj=PersonFactory())
    return person


@pytest.mark.parametrize("query", ["00 00 33 33", "+4500003333", "0000 3334", "testperson-opslag"])
def test_an_administrator_finds_who_looked_up_a_person(admin_client, looked_up, query):
    response = admin_client.get(URL, {"q": query})

    assert response.status_code == 200
    records = list(response.context["records"])
    assert [r.person_slug for r in records] == ["testperson-opslag"]
    assert "testlaeser" in response.text


def test_a_search_by_user_lists_what_they_looked_at(admin_client, looked_up):
    response = admin_client.get(URL, {"q": "testlaeser"})
    assert len(response.context["records"]) == 2


def test_an_empty_or_unknown_search_finds_nothing(admin_client, looked_up):
    assert admin_client.get(URL).context["records"].count() == 0
    assert len(admin_client.get(URL, {"q": "ingen-saadan"}).context["records"]) == 0


@pytest.mark.parametrize("who", ["editor", "coordinator", "staff_user", "no_role_user"])
def test_everyone_else_gets_403(client, request, who, looked_up):
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL, {"q": "00003333"}).status_code == 403


def test_a_long_query_is_cut_and_shown_as_text(admin_client):
    response = admin_client.get(URL, {"q": "<b>x</b>" * 50})
    assert response.status_code == 200
    assert "<b>x</b>" not in response.text
    assert len(response.context["query"]) == 100


def test_the_search_page_is_in_english_with_the_english_ui(admin_client, looked_up):
    admin_client.post(reverse("set_language"), {"language": "en", "next": URL})

    html = admin_client.get(URL, {"q": "00003333"}).text

    assert "Personal-data access log" in html
    assert "1 record" in html and "read" in html


def test_only_administrators_see_the_access_log_in_the_menu(client, admin_user, editor):
    client.force_login(editor)
    assert URL not in client.get(reverse("home")).text
    client.force_login(admin_user)
    assert f'href="{URL}"' in client.get(reverse("home")).text
