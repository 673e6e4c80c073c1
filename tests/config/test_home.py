import pytest
from django.urls import reverse

from tests.conftest import SEED_SCENARIO_TITLES


@pytest.mark.django_db
def test_home_lists_the_seven_scenarios_in_order(client, staff_user, seeded_card):
    client.force_login(staff_user)

    html = client.get(reverse("home")).text

    positions = [html.index(title) for title in SEED_SCENARIO_TITLES]
    assert positions == sorted(positions)


@pytest.mark.django_db
def test_home_is_built_for_phones(client, staff_user, card):
    client.force_login(staff_user)

    html = client.get(reverse("home")).text

    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert "https://" not in html.split("<body")[0], "no CDN in <head>"


@pytest.mark.django_db
def test_load_seed_twice_changes_nothing(seeded_card):
    from django.core.management import call_command

    from cards.models import CardVersion, Step
    from contacts.models import Person

    before = (Person.objects.count(), Step.objects.count(), CardVersion.objects.count())
    call_command("load_seed")

    assert (Person.objects.count(), Step.objects.count(), CardVersion.objects.count()) == before
