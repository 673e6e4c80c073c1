"""A pasted text over a field's limit is not cut (issue 11 §4): a counter warns, the server
answers with a Danish message, and every word is still in the field."""

from django.urls import reverse
from playwright.sync_api import expect

from incidents import services
from tests.browser.conftest import log_in, wait_until
from tests.conftest import BROWSER_TEST

pytestmark = BROWSER_TEST


def test_an_over_long_paste_is_counted_refused_in_danish_and_kept_whole(
    production_server, phone, staff_user, card, coordinator
):
    slug = card.scenarios.get().slug
    incident = services.incident_start(card=card, scenario_slug=slug, user=coordinator)
    text = ("Borgerne venter længe i køen. " * 70).strip()  # 2,099 characters
    page = phone.new_page()
    log_in(page, production_server.url, staff_user)
    page.goto(production_server.url + reverse("incidents:dashboard", args=[incident.pk]))
    wait_until(page, "window.htmx !== undefined")
    field = page.locator("#id_text")
    counter = page.locator("#id_text-counter")
    expect(counter).to_have_text("0 / 2000 tegn")

    field.focus()
    page.keyboard.insert_text(text)  # what a paste does: no keystrokes, one insertion

    assert len(field.input_value()) == len(text), "the browser cut the pasted text"
    expect(counter).to_have_class("char-counter char-counter--over")
    expect(counter).to_contain_text("2099 / 2000 tegn – 99 for mange")
    page.click("#incident-log-form button[type=submit]")
    expect(page.locator("#incident-log-form .errorlist")).to_contain_text(
        "Teksten er for lang: højst 2000 tegn (du skrev 2099)"
    )
    assert page.locator("#id_text").input_value() == text
    # The re-rendered form has its counter again, still warning.
    expect(page.locator("#id_text-counter")).to_contain_text("2099 / 2000 tegn")
    assert not incident.log_entries.filter(text__startswith="Borgerne venter").exists()
