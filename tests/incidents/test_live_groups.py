"""Issue 12: a revision per fragment group; a poll ships only what changed, shared by all."""

import re
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import loadshed
from incidents import selectors, services
from incidents.models import Incident
from tests.factories import UserFactory
from tests.incidents.factories import (
    add_figures,
    add_log_entries,
    add_steps,
    figures_report,
    small_and_large,
)

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
GROUP_FIELDS = [f"rev_{g}" for g in selectors.LIVE_GROUPS if g != "log"]


def _url(incident):
    return reverse("incidents:dashboard", args=[incident.pk])


def _token_from(html):
    return re.search(r'\?rev=([\d.]+)"', html).group(1)


def _revisions(incident):
    return Incident.objects.values(*GROUP_FIELDS, "last_log_sequence").get(pk=incident.pk)


def _oob_ids(html):
    return set(re.findall(r'id="([\w-]+)"[^>]*hx-swap-oob="true"', html))


@pytest.fixture(autouse=True)
def _early_in_a_minute():
    """Renders of the clock-bound groups are keyed by the minute: a test that compares two
    requests starts early in one, so a new minute between them cannot re-render them."""
    second = timezone.now().second + timezone.now().microsecond / 1e6
    if second > 45:
        time.sleep(60.5 - second)


@pytest.fixture(autouse=True)
def _no_overload():
    loadshed.reset()
    yield
    loadshed.reset()


def test_a_log_entry_sends_only_the_new_entry(client, incident, staff_user, coordinator):
    client.force_login(staff_user)
    token = _token_from(client.get(_url(incident)).text)
    services.incident_log_write(incident=incident, text="Ny oplysning fra TDC", author=coordinator)

    answer = client.get(_url(incident), {"rev": token}, **HX).text

    assert 'hx-swap-oob="afterbegin:#incident-log-list"' in answer
    assert "Ny oplysning fra TDC" in answer
    assert _oob_ids(answer) == {"incident-live", "incident-log-more"}
    assert "Testtrin" not in answer and "incident-steps" not in answer


def test_a_tick_sends_that_step_and_the_count_not_the_checklist(
    client, incident, staff_user, coordinator
):
    client.force_login(staff_user)
    token = _token_from(client.get(_url(incident)).text)
    step = incident.steps.filter(kind="action").order_by("order").first()
    services.step_complete(step=step, user=coordinator, version=step.version)

    answer = client.get(_url(incident), {"rev": token}, **HX).text

    ids = _oob_ids(answer)
    assert f"step-{step.pk}" in ids and "incident-progress" in ids
    assert "incident-steps" not in ids
    assert len(re.findall(r'<li id="step-', answer)) == 1
    assert "incident-figures" not in ids and "incident-timers" not in ids


def test_each_write_bumps_only_its_groups(incident, coordinator):
    before = _revisions(incident)
    line = incident.phone_lines.first()
    services.phone_line_switch(line=line, user=coordinator, announcement_slug="nedbrud")
    after = _revisions(incident)
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"rev_lines", "last_log_sequence"}

    figures_report(incident=incident, user=coordinator)
    again = _revisions(incident)
    assert {k for k in after if after[k] != again[k]} == {"rev_figures", "last_log_sequence"}


def test_notifications_bump_only_the_notifications_group(incident):
    from notifications import services as notification_services

    recipient = incident.recipients.filter(is_active=True, receives_updates=True).first()
    assert recipient is not None
    before = _revisions(incident)
    notification_services.recipient_remove(recipient=recipient)
    after = _revisions(incident)
    assert {k for k in before if before[k] != after[k]} == {"rev_notifications"}


def test_notifications_poll_swaps_the_status_not_the_recipient_form(client, incident, coordinator):
    from notifications import services as notification_services

    client.force_login(coordinator)
    page = client.get(_url(incident)).text
    assert 'id="notifications-status"' in page and "notifications:recipient-add" not in page
    token = _token_from(page)
    recipient = incident.recipients.filter(is_active=True, receives_updates=True).first()
    notification_services.recipient_remove(recipient=recipient)

    answer = client.get(_url(incident), {"rev": token}, **HX).text

    # alerts-refresh: the alerts panel (alerts/) fetches its status with this group.
    assert _oob_ids(answer) == {"incident-live", "notifications-status", "alerts-refresh"}
    assert "Tilføj modtager" not in answer  # the add-recipient form keeps what is typed


def test_no_poll_answer_holds_a_form_someone_types_in(client, incident, coordinator):
    client.force_login(coordinator)
    client.get(_url(incident))
    answer = client.get(_url(incident), {"rev": "1.1"}, **HX).text  # every group
    assert "<textarea" not in answer
    assert 'type="datetime-local"' not in answer
    assert 'id="incident-log-form"' not in answer and 'id="incident-figures-form"' not in answer


def test_poll_for_one_group_costs_the_same_queries_with_10_or_2000_log_entries(
    client, card, coordinator
):
    small, large = small_and_large(card=card, user=coordinator)
    add_log_entries(small, 10, author=coordinator)
    add_log_entries(large, 2000, author=coordinator)
    client.force_login(coordinator)
    counts = {}
    for name, incident in (("small", small), ("large", large)):
        token = _token_from(client.get(_url(incident)).text)
        services.incident_log_write(incident=incident, text=f"Nyt i {name}", author=coordinator)
        with CaptureQueriesContext(connection) as ctx:
            answer = client.get(_url(incident), {"rev": token}, **HX)
        assert f"Nyt i {name}" in answer.text
        counts[name] = len(ctx.captured_queries)
    print(f"changed log poll: {counts}")
    assert counts["small"] == counts["large"]


def test_full_page_costs_the_same_queries_with_10_or_2000_log_entries(client, card, coordinator):
    small, large = small_and_large(card=card, user=coordinator)
    for incident, n in ((small, 10), (large, 2000)):
        add_log_entries(incident, n, author=coordinator)
        add_figures(incident, 3, user=coordinator)
    add_steps(large, 200)
    client.force_login(coordinator)
    client.get(_url(small))  # warm the session and permission caches alike
    counts = {}
    for name, incident in (("small", small), ("large", large)):
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(_url(incident)).text
        counts[name] = len(ctx.captured_queries)
    print(f"full page: {counts}")
    assert counts["small"] == counts["large"]
    assert "Testtrin 199" in page and "Testindlæg 1999" in page and "Testindlæg 1900" not in page
    assert "Vis ældre" in page


def test_a_second_viewer_is_served_from_the_shared_render(
    client, incident, staff_user, coordinator
):
    colleague = UserFactory()
    colleague.groups.set(staff_user.groups.all())
    other = Client()
    client.force_login(staff_user)
    other.force_login(colleague)
    token = _token_from(client.get(_url(incident)).text)
    other.get(_url(incident))
    step = incident.steps.filter(kind="action").first()
    services.step_note_set(step=step, user=coordinator, version=step.version, note="Ring TDC")

    first = client.get(_url(incident), {"rev": token}, **HX).text
    with CaptureQueriesContext(connection) as ctx:
        second = other.get(_url(incident), {"rev": token}, **HX).text
    tables = " ".join(q["sql"] for q in ctx.captured_queries)

    assert "Ring TDC" in first and "Ring TDC" in second
    assert "incidents_incidentstep" not in tables and "incidents_logentry" not in tables
    # Rights from the viewer's last full check (< 60 s): no user, no permissions loaded.
    assert len(ctx.captured_queries) <= 2, tables
    mine = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', second)
    assert mine and "__csrf__" not in second
    assert set(mine) != set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', first))


def test_a_new_minute_sends_the_clock_timers_and_figures_only(
    client, incident, staff_user, monkeypatch
):
    import datetime as dt

    from django.utils import timezone

    client.force_login(staff_user)
    token = _token_from(client.get(_url(incident)).text)
    later = timezone.now() + dt.timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)

    answer = client.get(_url(incident), {"rev": token}, **HX).text

    ids = _oob_ids(answer)
    assert {"incident-elapsed", "incident-timers", "incident-figures"} <= ids
    assert "incident-steps" not in ids and "incident-log" not in ids


def test_an_overloaded_process_answers_polls_204_with_retry_after(
    client, incident, staff_user, coordinator, django_assert_max_num_queries
):
    client.force_login(staff_user)
    token = _token_from(client.get(_url(incident)).text)
    services.incident_log_write(incident=incident, text="Vent", author=coordinator)
    loadshed.mark_behind()

    with django_assert_max_num_queries(1):  # the session only: no work for a shed poll
        shed = client.get(_url(incident), {"rev": token}, **HX)
    assert shed.status_code == 204 and int(shed["Retry-After"]) > 0

    loadshed.reset()
    served = client.get(_url(incident), {"rev": token}, **HX)
    assert served.status_code == 200 and "Vent" in served.text  # nothing was lost
    assert "Retry-After" not in served


def test_a_write_answer_sends_only_what_changed_since_the_writers_token(
    client, incident, staff_user
):
    client.force_login(staff_user)
    token = _token_from(client.get(_url(incident)).text)
    url = reverse("incidents:log_write", args=[incident.pk])

    answer = client.post(url, {"text": "Skrevet her"}, HTTP_X_LIVE_TOKEN=token, **HX).text

    assert "Skrevet her" in answer
    assert 'id="incident-log-form"' in answer  # the writer's own form, reset
    assert "incident-steps" not in answer and "incident-contacts" not in answer


def test_charts_appear_from_two_points(client, incident, staff_user):
    client.force_login(staff_user)
    add_figures(incident, 1, user=staff_user)
    assert "<polyline" not in client.get(_url(incident)).text
    add_figures(incident, 1, user=staff_user)
    assert "<polyline" in client.get(_url(incident)).text


def test_the_jump_bar_reaches_every_section(client, incident, staff_user):
    client.force_login(staff_user)
    page = client.get(_url(incident)).text
    nav = page.split('class="jump-bar')[1].split("</nav>")[0]
    targets = re.findall(r'href="#([\w-]+)"', nav)
    assert "Statusopdateringer" in nav
    for target in targets:
        assert f'id="{target}"' in page, target
    assert {"incident-notifications", "incident-timers", "log-title", "steps-title"} <= set(targets)


def test_the_wall_draws_the_dashboards_fragments_from_the_shared_renders(
    client, incident, evacuation, staff_user
):
    client.force_login(staff_user)
    url = reverse("incidents:wall")
    first = client.get(url).text
    for pk in (incident.pk, evacuation.pk):
        for fragment in ("incident-header", "incident-timers", "incident-figures", "incident-log"):
            assert f'id="wall-{pk}-{fragment}"' in first, (pk, fragment)
    assert "hx-swap-oob" not in first and "<form" not in first.split('id="wall-live"')[1]

    with CaptureQueriesContext(connection) as ctx:
        again = client.get(url).text
    tables = " ".join(q["sql"] for q in ctx.captured_queries)
    assert again.count('id="wall-') == first.count('id="wall-')
    # Served from the shared renders: no timer, figure or log rows read again.
    for table in ("incidents_incidenttimer", "incidents_figurereport", "incidents_logentry"):
        assert table not in tables, table


def test_the_walls_next_steps_are_read_once_per_checklist_revision(
    client, incident, staff_user, coordinator
):
    client.force_login(staff_user)
    url = reverse("incidents:wall")
    step = incident.steps.filter(kind="action", done_at__isnull=True).order_by("order").first()
    assert step.text[:40] in client.get(url).text

    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    assert "incidents_incidentstep" not in " ".join(q["sql"] for q in ctx.captured_queries)

    services.step_complete(step=step, user=coordinator, version=step.version)
    assert step.text[:40] not in client.get(url).text.split("Næste trin", 1)[-1]


def test_rights_older_than_a_minute_are_checked_again(client, incident, staff_user, coordinator):
    from incidents.views import RIGHTS_KEY

    client.force_login(staff_user)
    token = _token_from(client.get(_url(incident)).text)
    services.incident_log_write(incident=incident, text="Første", author=coordinator)
    client.get(_url(incident), {"rev": token}, **HX)  # renders and caches the answer
    session = client.session
    session[RIGHTS_KEY] = {**session[RIGHTS_KEY], "at": 0}
    session.save()

    with CaptureQueriesContext(connection) as ctx:
        answer = client.get(_url(incident), {"rev": token}, **HX)
    tables = " ".join(q["sql"] for q in ctx.captured_queries)
    assert answer.status_code == 200 and "Første" in answer.text
    assert "auth_user" in tables  # the full check ran: the user and their rights
