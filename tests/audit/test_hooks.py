"""Each place personal data is read, exported, downloaded or changed writes to the log."""

import pytest
from django.urls import reverse

from audit.models import AccessRecord
from cards.pdf import services as card_pdf_services
from contacts.models import Person
from incidents.pdf import views as report_views
from incidents.services import incident_start
from tests.incidents.factories import incident_close_ticked

pytestmark = pytest.mark.django_db


def test_the_contact_list_logs_a_read_of_every_person_shown(client, staff_user, seeded_card):
    client.force_login(staff_user)

    response = client.get(reverse("contacts:list"))

    assert response.status_code == 200
    reads = AccessRecord.objects.filter(action="read", username=staff_user.username)
    assert reads.count() == Person.objects.count() > 0
    per = reads.get(person_slug="per-ryolf")
    assert per.person_phone == "+4529204259"
    assert per.user == staff_user


@pytest.mark.parametrize(
    "url",
    [
        reverse("cards_pdf:bundle", kwargs={"card_slug": "telefoni", "number": 1}),
        reverse(
            "cards_pdf:scenario",
            kwargs={"card_slug": "telefoni", "number": 1, "scenario_slug": "evakuering-dokk1"},
        ),
    ],
)
def test_a_card_pdf_download_logs_an_export(client, editor, seeded_card, monkeypatch, url):
    monkeypatch.setattr(card_pdf_services, "render_card_bundle", lambda **kw: b"%PDF-1.7\n")
    monkeypatch.setattr(card_pdf_services, "render_scenario_card", lambda **kw: b"%PDF-1.7\n")
    client.force_login(editor)

    assert client.get(url).status_code == 200

    export = AccessRecord.objects.get(action="export")
    assert (export.username, export.object_type) == (editor.username, "cards.cardversion")
    assert export.object_label.startswith("aktionskort-telefoni-v1")


def test_the_incident_report_download_is_logged(client, coordinator, card, monkeypatch, tmp_path):
    incident = incident_start(card=card, scenario_slug=card.scenarios.get().slug, user=coordinator)
    incident_close_ticked(incident=incident, user=coordinator, summary="Slut.")
    pdf = tmp_path / "rapport.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    # The worker has rendered it: the download serves the stored file.
    monkeypatch.setattr(
        report_views, "incident_document_current", lambda *, incident, kind: (pdf, None)
    )
    client.force_login(coordinator)

    response = client.get(reverse("incidents:report", args=[incident.pk]))

    assert response.status_code == 200
    download = AccessRecord.objects.get(action="download")
    assert (download.object_type, download.object_id) == ("incidents.incident", str(incident.pk))
    assert download.user == coordinator


def test_changing_and_deleting_a_person_in_the_admin_is_logged(client, editor, seeded_card):
    client.force_login(editor)
    person = Person.objects.get(slug="per-ryolf")
    url = reverse("admin:contacts_person_change", args=[person.pk])
    form = {
        "slug": person.slug,
        "name": person.name,
        "title": person.title,
        "organisation": person.organisation_id or "",
        "phone": "00 00 22 22",
        "phone_secondary": "",
        "email": person.email,
    }

    response = client.post(url, form)

    assert response.status_code == 302, response.content.decode()[:2000]
    change = AccessRecord.objects.get(action="change")
    assert (change.person_slug, change.person_phone) == ("per-ryolf", "+4500002222")
    assert change.username == editor.username

    client.post(reverse("admin:contacts_person_delete", args=[person.pk]), {"post": "yes"})
    assert AccessRecord.objects.filter(action="delete", person_slug="per-ryolf").count() == 1


def test_a_scenario_page_logs_a_read_of_the_people_it_shows(client, staff_user, seeded_card):
    client.force_login(staff_user)

    response = client.get(reverse("cards:scenario", args=["telefoni", "evakuering-dokk1"]))

    assert response.status_code == 200
    reads = AccessRecord.objects.filter(action="read", username=staff_user.username)
    slugs = set(reads.values_list("person_slug", flat=True))
    assert "per-ryolf" in slugs  # named in the communication block
    assert reads.count() == len(slugs)  # each person once, however often shown
    assert reads.get(person_slug="per-ryolf").person_phone == "+4529204259"


def test_people_shown_are_the_named_and_the_group_members_once_each():
    from cards.snapshots import StepView
    from cards.views import people_shown

    a = {"slug": "testperson-a", "name": "Testperson A", "phone": "00001111"}
    b = {"slug": "testperson-b", "name": "Testperson B", "phone": "00002222"}
    group = {"slug": "g", "name": "G", "members": [b, {"email": "x@example.invalid"}]}
    steps = [
        StepView(key="k/0", block="k", shared=False, kind="action", text="", person=a),
        StepView(key="k/1", block="k", shared=False, kind="action", text="", contact_group=group),
        StepView(key="k/2", block="k", shared=False, kind="action", text="", person=b),
    ]

    assert people_shown(steps) == [a, b]


def test_changing_a_contact_group_in_the_admin_is_logged(client, editor):
    from tests.contacts.factories import ContactGroupMemberFactory

    client.force_login(editor)
    group = ContactGroupMemberFactory().group
    url = reverse("admin:contacts_contactgroup_change", args=[group.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    inline = page.context["inline_admin_formsets"][0].formset
    data = {name: form[name].value() or "" for name in form.fields}
    data |= {
        f"{inline.prefix}-TOTAL_FORMS": "0",
        f"{inline.prefix}-INITIAL_FORMS": "0",
        f"{inline.prefix}-MIN_NUM_FORMS": "0",
        f"{inline.prefix}-MAX_NUM_FORMS": "1000",
    }

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:1500]
    change = AccessRecord.objects.get(action="change")
    assert (change.object_type, change.object_id) == ("contacts.contactgroup", str(group.pk))
