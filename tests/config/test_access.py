import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from core.roles import COORDINATOR, EDITOR, STAFF
from tests.factories import PASSWORD


@pytest.mark.django_db
def test_pages_need_login(client):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_login_page_is_open_and_danish(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert "Log ind" in response.text


@pytest.mark.django_db
def test_login_with_wrong_password_says_so_in_danish(client, staff_user):
    response = client.post(
        reverse("login"), {"username": staff_user.username, "password": "forkert"}
    )

    assert response.status_code == 200
    assert "korrekt brugernavn og adgangskode" in response.text


@pytest.mark.django_db
def test_login_then_home(client, staff_user, card):
    response = client.post(
        reverse("login"), {"username": staff_user.username, "password": PASSWORD}, follow=True
    )

    assert response.status_code == 200
    assert card.title in response.text


@pytest.mark.django_db
def test_user_without_role_is_told_whom_to_ask(client, no_role_user, seeded_card):
    client.force_login(no_role_user)

    response = client.get(reverse("home"))

    assert response.status_code == 403  # issue 17: as on every other page (was 200)
    assert "ingen rolle" in response.text
    assert "Evakuering af Dokk1" not in response.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "granted", "denied"),
    [
        (EDITOR, "cards.change_step", "incidents.start_incident"),
        (COORDINATOR, "incidents.start_incident", "cards.change_step"),
        (STAFF, "incidents.work_incident", "incidents.start_incident"),
    ],
)
def test_roles_are_groups_with_their_permissions(role, granted, denied):
    codenames = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=role).permissions.select_related("content_type")
    }

    assert granted in codenames
    assert denied not in codenames
