"""Issue 11 §5: the incident list is paginated (it took 4.15 s and 1.13 MB with 5,008
incidents): running incidents first, the closed ones a page at a time, in a number of
queries that does not grow with the number of incidents."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident
from incidents.selectors import CLOSED_INCIDENTS_PAGE


def make_incidents(card, *, closed, running=2):
    version = card.versions.get(number=1)
    now = timezone.now()
    Incident.objects.bulk_create(
        [
            Incident(
                card_version=version,
                title=f"Gammel øvelse {n}",
                is_exercise=True,
                status=Incident.Status.CLOSED,
                started_at=now - dt.timedelta(days=n + 1),
                closed_at=now - dt.timedelta(days=n + 1) + dt.timedelta(hours=1),
            )
            for n in range(closed)
        ]
        + [
            Incident(card_version=version, title=f"I gang {n}", started_at=now)
            for n in range(running)
        ]
    )


def list_page(client, page=None):
    url = reverse("incidents:list") + (f"?side={page}" if page else "")
    return client.get(url)


@pytest.mark.parametrize("closed", [10, 200])
def test_query_count_does_not_grow_with_the_incidents(
    client, staff_user, card, django_assert_num_queries, closed
):
    make_incidents(card, closed=closed)
    client.force_login(staff_user)
    list_page(client)  # warm up: session, content types, permission cache
    # user, roles, user and group permissions, running, closed count, closed page (the
    # session comes from the cache: cached_db)
    with django_assert_num_queries(7):
        response = list_page(client)
    assert response.status_code == 200


def test_running_first_then_closed_paged_with_danish_controls(client, staff_user, card):
    make_incidents(card, closed=CLOSED_INCIDENTS_PAGE + 5)
    client.force_login(staff_user)

    first = list_page(client).text
    assert "I gang 0" in first and "I gang 1" in first
    assert first.index("I gang 0") < first.index("Gammel øvelse 0")
    assert first.count("Gammel øvelse") == CLOSED_INCIDENTS_PAGE
    assert f"Side 1 af 2 ({CLOSED_INCIDENTS_PAGE + 5} afsluttede)" in first
    assert 'href="?side=2#afsluttede"' in first and "Ældre" in first
    assert "Nyere" not in first

    second = list_page(client, 2).text
    assert "I gang 0" in second  # running incidents are on every page
    assert second.count("Gammel øvelse") == 5
    assert f"Gammel øvelse {CLOSED_INCIDENTS_PAGE + 4}<" in second.replace(" <span", "<")
    assert "Nyere" in second and "Side 2 af 2" in second

    # A page number that is not one is the last/first page, not an error.
    assert list_page(client, "999").status_code == 200
    assert list_page(client, "x").status_code == 200


def test_5000_incidents_make_a_small_page(client, staff_user, card):
    make_incidents(card, closed=5000)
    client.force_login(staff_user)
    response = list_page(client)
    assert response.status_code == 200
    assert len(response.content) < 60_000
