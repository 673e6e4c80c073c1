"""The live dashboard's budgets: cheap unchanged polls, constant query counts, small pages."""

import gzip
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents import services
from incidents.selectors import live_token
from tests.conftest import EVACUATION
from tests.incidents.factories import (
    add_figures,
    add_log_entries,
    add_steps,
    incident_close_ticked,
    small_and_large,
)

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def _url(incident):
    return reverse("incidents:dashboard", args=[incident.pk])


def _token_from(html):
    return re.search(r'\?rev=([\d.]+)"', html).group(1)


def test_unchanged_poll_is_204_in_two_queries(
    client, incident, staff_user, django_assert_max_num_queries
):
    client.force_login(staff_user)
    token = _token_from(client.get(_url(incident)).text)

    # The session (from the cache with cached_db, else a query) and Incident's revisions.
    with django_assert_max_num_queries(2):
        response = client.get(_url(incident), {"rev": token}, **HX)

    assert response.status_code == 204
    assert response.content == b""
    assert "HX-Request" in response["Vary"]


def test_changed_poll_swaps_the_fragments(client, incident, staff_user, coordinator):
    client.force_login(staff_user)
    client.get(_url(incident))
    # A token from before the revisions per group (or otherwise unknown): every fragment.
    token = "1.1"
    services.incident_log_write(incident=incident, text="Ny oplysning fra TDC", author=coordinator)

    response = client.get(_url(incident), {"rev": token}, **HX)

    assert response.status_code == 200
    assert "Ny oplysning fra TDC" in response.text
    for fragment in ("incident-steps", "incident-log", "incident-figures", "incident-timers"):
        assert re.search(rf'id="{fragment}"[^>]*hx-swap-oob="true"', response.text), fragment
    assert "<html" not in response.text
    assert _token_from(response.text) != token
    assert "HX-Request" in response["Vary"]


def test_a_changed_poll_is_rendered_once_for_viewers_with_the_same_rights(
    client, incident, staff_user, coordinator, django_assert_max_num_queries
):
    from django.test import Client

    from tests.factories import UserFactory

    colleague = UserFactory()
    colleague.groups.set(staff_user.groups.all())
    first, second = client, Client()
    for viewer, user in ((first, staff_user), (second, colleague)):
        viewer.force_login(user)
    token = _token_from(first.get(_url(incident)).text)
    second.get(_url(incident))
    # A note on a step: its fragment holds forms, so there are CSRF tokens to put back.
    step = incident.steps.filter(kind="action").first()
    services.step_note_set(
        step=step, user=coordinator, version=step.version, note="Kø på 40 opkald"
    )

    rendered = first.get(_url(incident), {"rev": token}, **HX)
    with django_assert_max_num_queries(8):  # no render: session, user, rights, revision
        served = second.get(_url(incident), {"rev": token}, **HX)

    assert "Kø på 40 opkald" in rendered.text and "Kø på 40 opkald" in served.text
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', served.text)
    assert tokens and "__csrf__" not in served.text
    assert tokens != re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', rendered.text)


def test_viewers_with_other_rights_get_their_own_render(client, incident, staff_user, coordinator):
    from django.test import Client

    other = Client()
    client.force_login(staff_user)
    other.force_login(coordinator)
    client.get(_url(incident))
    other.get(_url(incident))
    token = "1.1"  # unknown: both get every fragment, the coordinator's with the actions
    services.incident_log_write(incident=incident, text="Ny status", author=coordinator)

    staff_view = client.get(_url(incident), {"rev": token}, **HX).text
    coordinator_view = other.get(_url(incident), {"rev": token}, **HX).text

    assert "Tilføj scenarie" not in staff_view
    assert "Tilføj scenarie" in coordinator_view


def test_a_poll_without_htmx_gets_the_whole_page(client, incident, staff_user):
    client.force_login(staff_user)
    response = client.get(_url(incident), {"rev": "0.0"})
    assert response.status_code == 200 and "<html" in response.text
    assert "HX-Request" in response["Vary"]
    assert "no-store" in response["Cache-Control"]


def test_the_minute_changes_the_token_so_countdowns_move(incident):
    a = live_token(revision=5, now=incident.started_at)
    b = live_token(
        revision=5, now=incident.started_at + __import__("datetime").timedelta(minutes=1)
    )
    assert a != b


def test_poll_of_a_closed_incident_stops_polling(client, incident, staff_user, coordinator):
    client.force_login(staff_user)
    token = _token_from(client.get(_url(incident)).text)
    incident_close_ticked(incident=incident, user=coordinator)

    changed = client.get(_url(incident), {"rev": token}, **HX)
    assert changed.status_code == 286
    assert "kan kun læses" in changed.text
    assert "hx-trigger" not in changed.text

    revision = type(incident).objects.get(pk=incident.pk).revision
    unchanged = client.get(_url(incident), {"rev": f"{revision}.0"}, **HX)
    assert unchanged.status_code == 286


def test_poll_without_a_viewer_session_does_the_full_check(client, incident, no_role_user):
    client.force_login(no_role_user)
    response = client.get(_url(incident), {"rev": "1.1"}, **HX)
    assert response.status_code == 403


def test_anonymous_poll_is_sent_to_login(client, incident):
    response = client.get(_url(incident), {"rev": "1.1"}, **HX)
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("login"))


def _dashboard_queries(client, incident):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(_url(incident))
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_dashboard_query_count_does_not_grow_with_volume(client, card, coordinator):
    small, large = small_and_large(card=card, user=coordinator)
    for incident, n in ((small, 10), (large, 500)):
        add_log_entries(incident, n, author=coordinator)
        add_steps(incident, n)
        add_figures(incident, n, user=coordinator)
    client.force_login(coordinator)
    _dashboard_queries(client, small)  # warm the session/permission caches alike

    small_count, _small_page = _dashboard_queries(client, small)
    large_count, large_page = _dashboard_queries(client, large)

    print(f"dashboard: {small_count} queries with 10, {large_count} with 500")
    assert small_count == large_count
    assert "Testtrin 499" in large_page.text  # every step is drawn …
    assert "Testindlæg 499" in large_page.text  # … the newest log entries …
    assert "Testindlæg 400" not in large_page.text  # … but not the whole log
    assert "Se hele loggen (501 indlæg)" in large_page.text


def _referenced_static(html):
    paths = re.findall(r'<(?:link[^>]*rel="stylesheet"[^>]*href|script[^>]*src)="([^"]+)"', html)
    files = []
    for url in paths:
        assert url.startswith(settings.STATIC_URL) or url.startswith("/" + settings.STATIC_URL)
        name = url.split(settings.STATIC_URL, 1)[1]
        found = finders.find(name)
        if found is None:  # not in this tree yet (assets land with the lead's merge)
            continue
        files.append(Path(found))
    return paths, files


def test_dashboard_first_load_is_at_most_60_kb_compressed(client, seeded_card, coordinator):
    incident = services.incident_start(card=seeded_card, scenario_slug=EVACUATION, user=coordinator)
    services.incident_scenario_add(
        incident=incident, scenario_slug="stromsvigt-aarhus-kommune", user=coordinator
    )
    add_log_entries(incident, 100, author=coordinator)
    add_figures(incident, 200, user=coordinator)
    client.force_login(coordinator)

    html = client.get(_url(incident)).content
    urls, files = _referenced_static(html.decode())
    total = len(gzip.compress(html)) + sum(len(gzip.compress(f.read_bytes())) for f in files)

    assert urls, "the page references its CSS and JS"
    print(f"first load: {total} bytes gzip ({len(files)} static files of {len(urls)})")
    assert total <= 60 * 1024
