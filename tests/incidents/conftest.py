import pytest

from tests.incidents.report_world import _work_and_close


@pytest.fixture
def closed(incident, coordinator, staff_user):
    """The incident worked from start to close, as the report and the archive read it."""
    return _work_and_close(incident, coordinator=coordinator, staff_user=staff_user)
