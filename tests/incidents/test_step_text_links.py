"""Phone numbers in checklist steps are tel: links; the step text itself stays text."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_the_incident_dashboard_links_numbers_in_step_text_and_escapes_it(
    client, incident, coordinator
):
    step = incident.steps.exclude(kind="responsibility").first()
    step.text = '<script>alert("x")</script> Ring til Testperson på 00 00 00 42 nu.'
    step.save(update_fields=["text"])
    client.force_login(coordinator)

    html = client.get(reverse("incidents:dashboard", args=[incident.pk])).text

    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Ring til Testperson på " in html
    assert '<a href="tel:+4500000042">00 00 00 42</a> nu.' in html


@pytest.mark.django_db
def test_contacts_on_the_dashboard_are_grouped_and_dialled_in_e164(client, incident, coordinator):
    client.force_login(coordinator)

    html = client.get(reverse("incidents:dashboard", args=[incident.pk])).text

    assert '<a class="tel" href="tel:+4529204259">29 20 42 59</a>' in html
    assert 'href="tel:89402000"' not in html
