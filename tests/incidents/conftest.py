import os

import pytest

from tests.incidents.report_world import _work_and_close


@pytest.fixture
def closed(incident, coordinator, staff_user):
    """The incident worked from start to close, as the report and the archive read it."""
    return _work_and_close(incident, coordinator=coordinator, staff_user=staff_user)


@pytest.fixture
def allow_orm_in_playwright():
    """Playwright's sync API runs an event loop in this thread; the ORM calls in the test
    bodies are still synchronous and safe."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
