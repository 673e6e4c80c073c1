"""Redis is the cache too (as in docker-compose.yml, one Redis for broker and cache): with
it stopped, a changed dashboard poll (the one that reads and writes the shared fragment
cache) still answers, quickly, instead of a 500 from the cache backend."""

import os
import time

import pytest
from django.urls import reverse

from tests.conftest import require

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]


@pytest.mark.django_db
def test_changed_poll_answers_while_the_cache_redis_is_down(
    client, settings, broker, incident, staff_user
):
    require(bool(os.environ.get("REDIS_URL")), "the Redis cache is configured by REDIS_URL")
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": broker.url}}
    client.force_login(staff_user)
    poll = reverse("incidents:dashboard", args=[incident.pk]) + "?rev=0.0"
    headers = {"HX-Request": "true", "HX-Trigger": "incident-live"}
    assert client.get(poll, headers=headers).status_code == 200

    broker.stop()
    started = time.monotonic()
    response = client.get(poll, headers=headers)
    seconds = time.monotonic() - started
    page = client.get(reverse("incidents:dashboard", args=[incident.pk]))

    assert response.status_code == 200
    assert seconds < 5, f"the poll took {seconds:.1f} s with the cache's Redis down"
    assert page.status_code == 200
