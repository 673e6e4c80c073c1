import pytest

from incidents.services import incident_start
from tests.incidents.report_world import _work_and_close

POWER = "stromsvigt-aarhus-kommune"  # has the 2-hour mast timer
EVACUATION = "evakuering-dokk1"


@pytest.fixture
def incident(seeded_card, coordinator):
    return incident_start(card=seeded_card, scenario_slug=POWER, user=coordinator)


@pytest.fixture
def evacuation(seeded_card, coordinator):
    return incident_start(card=seeded_card, scenario_slug=EVACUATION, user=coordinator)


@pytest.fixture
def closed(incident, coordinator, staff_user):
    """The incident worked from start to close, as the report and the archive read it."""
    return _work_and_close(incident, coordinator=coordinator, staff_user=staff_user)
