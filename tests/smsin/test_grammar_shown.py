"""The SMS grammar where staff read it: the printed card and the dashboard's help box."""

import io

import pypdf
import pytest

from cards.models import CardVersion
from cards.pdf.documents import render_card_bundle

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_the_printed_card_shows_the_grammar_and_the_number(card, settings):
    settings.SMS_INBOUND_NUMBER = "+4500009999"
    version = CardVersion.objects.get(card=card, number=1)
    data = render_card_bundle(version=version)
    text = " ".join(pdf_text(data).split())
    assert "Indberet med SMS" in text
    assert "TAL 12 3 17 7:45 3:20" in text
    assert "00 00 99 99" in text
    assert "#12 TAL" in text and "OK" in text


def test_the_number_is_left_out_when_not_set(client, card, staff_user, settings):
    from tests.notifications.conftest import incident_create

    settings.SMS_INBOUND_NUMBER = ""
    incident = incident_create(card)
    client.force_login(staff_user)
    html = client.get(f"/haendelser/{incident.pk}/").content.decode()
    assert 'id="sms-grammar"' in html and "TAL 12 3 17 7:45 3:20" in html
    assert "Send en SMS til" not in html
    settings.SMS_INBOUND_NUMBER = "+4500009999"
    html = client.get(f"/haendelser/{incident.pk}/").content.decode()
    assert "Send en SMS til <strong>00 00 99 99</strong>" in html  # Danish: as Danes write it
