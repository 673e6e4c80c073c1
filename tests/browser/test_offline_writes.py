"""Writes on a phone with no network (issue 15), in Debian's Chromium on the production-like
server: the log, ticks and figures are queued on the phone (IndexedDB), survive a reload,
and reach the server exactly once, with the phone's time and the server's, when the network
is back, also when it flaps during the send; two phones ticking the same step offline get
one tick and one message; the queue belongs to the person who wrote it.
"""

import datetime as dt

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from core.roles import STAFF
from incidents import services
from incidents.models import FigureReport, IncidentStep, LogEntry
from tests.browser.conftest import (
    TALL_PHONE,
    log_in,
    phone_context,
    wait_for_precache,
    wait_for_service_worker,
    wait_until,
)
from tests.conftest import BROWSER_TEST, _user_with_role
from tests.factories import UserFactory

pytestmark = BROWSER_TEST
ENTRIES = [
    "Testperson 1: alle er ude af Dokk1.",
    "Testperson 2: infobeskeden er slået til.",
    "Testperson 3: DDH er orienteret.",
]
UNSENT = "Number(document.body.dataset.offlineUnsent || -1)"


@pytest.fixture
def phones(browser):
    made = []

    def make():
        made.append(phone_context(browser, TALL_PHONE))
        return made[-1]

    yield make
    for context in made:
        context.close()


def _tasks(incident, n):
    return list(
        IncidentStep.objects.filter(
            incident=incident, kind__in=("action", "communication")
        ).order_by("order")[:n]
    )


def _open_dashboard(context, server, user, incident):
    page = context.new_page()
    log_in(page, server.url, user)
    wait_for_precache(page)
    page.goto(f"{server.url}{reverse('incidents:dashboard', args=[incident.pk])}")
    wait_for_service_worker(page)
    # The dashboard is stored for offline use when it loads (network first).
    wait_until(page, "caches.match(location.href, {ignoreVary: true}).then(r => !!r)")
    wait_until(page, f"{UNSENT} === 0")
    return page


@pytest.fixture
def staff_on_the_dashboard(phones, production_server, staff_user, incident):
    """A phone with the incident's dashboard open as ``staff_user`` and stored for offline
    use: (phone, page)."""
    phone = phones()
    return phone, _open_dashboard(phone, production_server, staff_user, incident)


def _go_offline(context, page):
    context.set_offline(True)
    wait_until(page, "!navigator.onLine")


def _write_log(page, text):
    page.fill("#incident-log-form textarea", text)
    page.click("#incident-log-form button[type=submit]")
    expect(
        page.locator("#incident-log-list li[data-offline-pending]", has_text=text)
    ).to_contain_text("venter på net")


def _tick(page, step):
    page.click(f"#step-{step.pk} form[data-offline-queue=done] button[type=submit]")
    expect(page.locator(f"#step-{step.pk} .step__meta--pending")).to_contain_text("venter på net")


def _enter_figures(page):
    page.click("#incident-figures-form summary")
    form = page.locator("#incident-figures-form form")
    form.locator("[name=agents_on_duty]").fill("12")
    form.locator("[name=agents_available]").fill("4")
    form.locator("[name=calls_in_queue]").fill("17")
    form.locator("[name=longest_wait_seconds]").fill("3:30")
    form.locator("[name=average_wait_seconds]").fill("1:15")
    form.locator("button[type=submit]").click()


def _write_everything_offline(page, steps):
    for text in ENTRIES:
        _write_log(page, text)
    for step in steps:
        _tick(page, step)
    _enter_figures(page)
    wait_until(page, f"{UNSENT} === 6")
    expect(page.locator("#offline-queue")).to_contain_text("Venter på net: 6")
    expect(page.locator("#offline-queue")).to_contain_text("Tal: 12 på vagt, 4 ledige, 17 i kø")


def _assert_each_once_with_both_times(incident, steps, started):
    for text in ENTRIES:
        entries = LogEntry.objects.filter(incident=incident, text=text)
        assert entries.count() == 1, text
        entry = entries.get()
        assert entry.idempotency_key is not None
        assert started <= entry.device_written_at <= entry.created_at
    for step in steps:
        step.refresh_from_db()
        assert step.is_done
        ticks = LogEntry.objects.filter(incident=incident, event=LogEntry.Event.STEP_DONE)
        tick = ticks.get(data__step_id=step.pk)
        assert started <= tick.device_written_at <= tick.created_at
    report = FigureReport.objects.get(incident=incident)
    assert (report.agents_on_duty, report.calls_in_queue, report.longest_wait_seconds) == (
        12,
        17,
        210,
    )
    assert started <= report.device_written_at <= report.reported_at


def test_offline_writes_survive_a_reload_and_arrive_once_with_both_times(
    staff_on_the_dashboard, incident
):
    phone, page = staff_on_the_dashboard
    steps = _tasks(incident, 2)
    started = dt.datetime.now(dt.UTC)

    _go_offline(phone, page)
    # The queued forms stay usable offline, and the banner says what happens to them.
    expect(page.locator(".offline-banner")).to_contain_text(
        "Log, flueben og tal gemmes på telefonen og sendes, når der er net igen."
    )
    _write_everything_offline(page, steps)
    # The log form is empty again, ready for the next entry.
    assert page.input_value("#incident-log-form textarea") == ""
    assert not LogEntry.objects.filter(incident=incident, text__in=ENTRIES).exists()

    page.reload()  # offline: the stored copy, and the queue from IndexedDB
    wait_until(page, f"{UNSENT} === 6")
    for text in ENTRIES:
        expect(page.locator("#incident-log-list")).to_contain_text(text)
    expect(page.locator(f"#step-{steps[0].pk}")).to_contain_text("venter på net")
    assert not LogEntry.objects.filter(incident=incident, text__in=ENTRIES).exists()

    phone.set_offline(False)
    wait_until(page, f"{UNSENT} === 0", timeout=30)
    _assert_each_once_with_both_times(incident, steps, started)
    # The server's rendering replaces the queued items.
    expect(page.locator("#offline-queue")).to_be_hidden()
    for text in ENTRIES:
        expect(page.locator("#incident-log-list li[id^=log-]", has_text=text)).to_have_count(1)
    expect(page.locator("#incident-log-list li[data-offline-pending]")).to_have_count(0)
    expect(page.locator(f"#step-{steps[0].pk}")).to_contain_text("Udført af")


def test_a_flapping_network_and_lost_answers_still_store_each_write_once(
    staff_on_the_dashboard, incident
):
    phone, page = staff_on_the_dashboard
    steps = _tasks(incident, 2)
    started = dt.datetime.now(dt.UTC)
    offline_url = reverse("incidents:offline_write", args=[incident.pk])
    lost = []

    def lose_the_answer(route):
        # The server gets the write and saves it; the phone never hears back.
        response = route.fetch()
        if len(lost) < 3:
            lost.append(response.status)
            route.abort("internetdisconnected")
        else:
            route.fulfill(response=response)

    phone.route(f"**{offline_url}", lose_the_answer)
    _go_offline(phone, page)
    _write_everything_offline(page, steps)

    for _ in range(6):
        phone.set_offline(False)
        page.wait_for_timeout(150)
        phone.set_offline(True)
        page.wait_for_timeout(300)
    phone.set_offline(False)
    wait_until(page, f"{UNSENT} === 0", timeout=45)

    assert lost == [200, 200, 200]  # saved three times without the phone knowing
    _assert_each_once_with_both_times(incident, steps, started)
    expect(page.locator("#offline-queue")).to_be_hidden()


def test_an_online_post_that_fails_on_the_network_is_queued_not_lost(
    staff_on_the_dashboard, incident
):
    phone, page = staff_on_the_dashboard
    log_url = reverse("incidents:log_write", args=[incident.pk])
    # navigator.onLine says yes, but the post never arrives (a dead hotspot).
    phone.route(f"**{log_url}", lambda route: route.abort("internetdisconnected"))
    _write_log(page, ENTRIES[0])
    phone.unroute(f"**{log_url}")
    wait_until(page, f"{UNSENT} === 0", timeout=30)
    assert LogEntry.objects.filter(incident=incident, text=ENTRIES[0]).count() == 1


def test_two_phones_ticking_the_same_step_offline_get_one_tick_and_a_message(
    phones, production_server, staff_user, incident
):
    colleague = UserFactory(first_name="Testa", last_name="Testesen")
    colleague.groups.set(staff_user.groups.all())
    step = _tasks(incident, 1)[0]
    phone_a, phone_b = phones(), phones()
    page_a = _open_dashboard(phone_a, production_server, colleague, incident)
    page_b = _open_dashboard(phone_b, production_server, staff_user, incident)
    _go_offline(phone_a, page_a)
    _go_offline(phone_b, page_b)
    _tick(page_a, step)
    _tick(page_b, step)

    phone_a.set_offline(False)
    wait_until(page_a, f"{UNSENT} === 0", timeout=30)
    phone_b.set_offline(False)
    wait_until(page_b, f"{UNSENT} === 0", timeout=30)

    refused = page_b.locator("#offline-queue .offline-queue__item--refused")
    expect(refused).to_contain_text("af Testa Testesen")
    expect(refused).to_contain_text("dit flueben blev ikke sat")
    ticks = LogEntry.objects.filter(incident=incident, event=LogEntry.Event.STEP_DONE)
    assert ticks.count() == 1 and ticks.get().author == colleague
    # Seen, then removed by the person: not retried.
    refused.locator("button").click()
    expect(page_b.locator("#offline-queue")).to_be_hidden()
    assert ticks.count() == 1


def test_the_queue_is_the_signed_in_persons_own(
    staff_on_the_dashboard, production_server, incident
):
    phone, page = staff_on_the_dashboard
    _go_offline(phone, page)
    _write_log(page, ENTRIES[0])
    # Hold the send back so that the item is still unsent when the person logs out.
    offline_url = reverse("incidents:offline_write", args=[incident.pk])
    phone.route(f"**{offline_url}", lambda route: route.abort("internetdisconnected"))
    phone.set_offline(False)
    wait_until(page, "navigator.onLine")
    assert page.evaluate(UNSENT) == 1

    asked = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", answer)
    page.click(".site-nav form button[type=submit]")
    page.wait_for_timeout(300)
    assert asked and "1 ting på telefonen, som endnu ikke er sendt" in asked[0]
    assert page.url.endswith(reverse("incidents:dashboard", args=[incident.pk]))  # still in

    # Another person signs in on the same phone (the first one's session simply ended).
    phone.unroute(f"**{offline_url}")
    page.remove_listener("dialog", answer)
    phone.clear_cookies()
    other = _user_with_role(STAFF)
    log_in(page, production_server.url, other)
    page.goto(f"{production_server.url}{reverse('incidents:dashboard', args=[incident.pk])}")
    wait_until(page, f"{UNSENT} === 0")
    page.wait_for_timeout(6000)  # longer than one retry round
    expect(page.locator("#incident-log-list")).not_to_contain_text(ENTRIES[0])
    expect(page.locator("#offline-queue")).to_be_hidden()
    assert not LogEntry.objects.filter(incident=incident, text=ENTRIES[0]).exists()
    # Still on the phone for its owner (IndexedDB), never shown to or sent by the other.
    assert (
        page.evaluate(
            "new Promise(r => { const o = indexedDB.open('ak-offline'); o.onsuccess = () => "
            "{ const q = o.result.transaction('queue').objectStore('queue').getAll(); "
            "q.onsuccess = () => r(q.result.length); }; })"
        )
        == 1
    )


def test_unticking_on_the_step_page_offline_is_queued_with_its_reason(
    phones, production_server, staff_user, incident
):
    step = _tasks(incident, 1)[0]
    step = services.step_complete(step=step, user=staff_user, version=step.version)
    phone = phones()
    page = _open_dashboard(phone, production_server, staff_user, incident)
    page.goto(f"{production_server.url}{reverse('incidents:step', args=[incident.pk, step.pk])}")
    wait_until(page, "caches.match(location.href, {ignoreVary: true}).then(r => !!r)")

    _go_offline(phone, page)
    page.reload()  # the stored step page
    page.fill(
        "form[action$='/reopen/'] [name=reason]",
        "Linjen er ikke skiftet endnu",
    )
    page.click("form[action$='/reopen/'] button[type=submit]")
    expect(page.locator("#offline-queue")).to_contain_text("Genåbnet:")
    expect(page.locator("#offline-queue")).to_contain_text("venter på net")
    wait_until(page, f"{UNSENT} === 1")

    phone.set_offline(False)
    wait_until(page, f"{UNSENT} === 0", timeout=30)
    step.refresh_from_db()
    assert not step.is_done
    entry = LogEntry.objects.get(incident=incident, event=LogEntry.Event.STEP_REOPENED)
    assert entry.data["reason"] == "Linjen er ikke skiftet endnu"
    assert entry.device_written_at is not None and entry.device_written_at <= entry.created_at


def test_a_session_that_ended_keeps_the_queue_until_the_same_person_logs_in(
    staff_on_the_dashboard, production_server, staff_user, incident
):
    phone, page = staff_on_the_dashboard
    _go_offline(phone, page)
    _write_log(page, ENTRIES[0])
    phone.clear_cookies()  # the session ended while the phone was offline
    phone.set_offline(False)

    # The queue's send gets the login redirect and keeps the item; the dashboard's next
    # poll takes the page to the login.
    page.wait_for_url(f"**{reverse('login')}**", timeout=20_000)
    assert not LogEntry.objects.filter(incident=incident, text=ENTRIES[0]).exists()

    log_in(page, production_server.url, staff_user)
    page.goto(f"{production_server.url}{reverse('incidents:dashboard', args=[incident.pk])}")
    wait_until(page, f"{UNSENT} === 0", timeout=30)
    assert LogEntry.objects.filter(incident=incident, text=ENTRIES[0]).count() == 1
