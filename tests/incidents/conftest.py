import pytest

from incidents.services import incident_start

POWER = "stromsvigt-aarhus-kommune"  # has the 2-hour mast timer
EVACUATION = "evakuering-dokk1"


@pytest.fixture
def incident(seeded_card, coordinator):
    return incident_start(card=seeded_card, scenario_slug=POWER, user=coordinator)


@pytest.fixture
def evacuation(seeded_card, coordinator):
    return incident_start(card=seeded_card, scenario_slug=EVACUATION, user=coordinator)
