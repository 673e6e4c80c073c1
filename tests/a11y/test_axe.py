"""Accessibility: axe-core in Chromium on the pages staff use in a crisis, on a 360-px
phone and a 1280-px desk screen. Any serious or critical violation fails, listed.

axe-core is vendored (tests/a11y/vendor/axe.min.js, MPL-2.0), so no network is needed.
The app's CSP forbids injected scripts, so the browser context bypasses CSP for the test.
"""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

pytestmark = [
    pytest.mark.browser,
    # Transactional (the production-like server reads what the test writes); serialized rollback
    # restores the role groups that the flush after each test removes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WIDTHS = (360, 1280)
BLOCKING = ("serious", "critical")

# name → (path builder taking the objects below, logged in as: False, True (the
# Koordinator) or "admin")
PAGES = {
    "login": (lambda objs: reverse("login"), False),
    "home": (lambda objs: reverse("home"), True),
    "scenario": (
        lambda objs: reverse("cards:scenario", args=[objs["card"].slug, objs["scenario"].slug]),
        True,
    ),
    "dashboard": (lambda objs: reverse("incidents:dashboard", args=[objs["incident"].pk]), True),
    "access_log": (lambda objs: reverse("audit:search") + f"?q={objs['person'].slug}", "admin"),
}


@pytest.fixture
def objects(seeded_card, coordinator):
    """The Koordinator sees the most: every control of the dashboard is checked."""
    from incidents.services import incident_log_write, incident_start
    from tests.incidents.factories import figures_report

    scenario = seeded_card.scenarios.order_by("order", "pk").first()
    incident = incident_start(card=seeded_card, scenario_slug=scenario.slug, user=coordinator)
    incident_log_write(incident=incident, text="Testindlæg i loggen", author=coordinator)
    figures_report(incident=incident, user=coordinator)
    from audit.models import AccessRecord
    from audit.services import access_record
    from contacts.models import Person
    from tests.factories import UserFactory

    person = Person.objects.order_by("pk").first()
    access_record(user=coordinator, action=AccessRecord.Action.READ, obj=person)
    admin = UserFactory(is_superuser=True, is_staff=True)
    return {
        "card": seeded_card,
        "scenario": scenario,
        "incident": incident,
        "user": coordinator,
        "admin": admin,
        "person": person,
    }


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document);
            return {
                passes: r.passes.length,
                violations: r.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))
                })),
            };
        }"""
    )
    assert result["passes"] > 10, "axe-core did not run its rules"
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


@pytest.mark.parametrize("name", PAGES)
def test_no_serious_or_critical_violations(name, production_server, chromium, objects):
    build, logged_in = PAGES[name]
    path = build(objects)
    failures = {}
    for width in WIDTHS:
        context = chromium.new_context(viewport={"width": width, "height": 800}, bypass_csp=True)
        if logged_in:
            client = Client()
            client.force_login(objects["admin" if logged_in == "admin" else "user"])
            cookie = client.cookies[settings.SESSION_COOKIE_NAME]
            context.add_cookies(
                [{"name": cookie.key, "value": cookie.value, "url": production_server.url}]
            )
        page = context.new_page()
        response = page.goto(production_server.url + path)
        assert response.status == 200, (path, response.status)
        violations = axe_violations(page)
        context.close()
        if violations:
            failures[f"{width}px"] = violations

    assert not failures, f"{path}:\n{json.dumps(failures, indent=2, ensure_ascii=False)}"
