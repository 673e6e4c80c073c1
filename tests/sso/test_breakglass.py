"""Break-glass: with SSO configured a password opens the app only for emergency accounts
and superusers, and every such login is recorded and announced once by e-mail and SMS."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from core.roles import COORDINATOR, EDITOR, STAFF
from sso import services
from sso.models import AccountProfile, EmergencyLogin, EmergencyNotice
from sso.oidc import REACHABLE_CACHE_KEY
from tests.factories import PASSWORD, UserFactory
from tests.notifications.fakes import GatewayAPIServer, SMTPServer
from tests.prodserver import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def sso_on(settings):
    """SSO configured, its provider down (a closed port answers at once)."""
    settings.OIDC_DISCOVERY_URL = f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration"
    settings.OIDC_RP_CLIENT_ID = "aktionskort-test"
    settings.AXES_ENABLED = False
    return settings


@pytest.fixture
def people(db):
    """A superuser and a Koordinator who are told; a Medarbejder who is not."""
    admin = UserFactory(is_superuser=True, is_staff=True, email="testadmin@example.invalid")
    AccountProfile.objects.create(user=admin, phone="+4520000001")
    coordinator = UserFactory(email="testkoordinator@example.invalid")
    coordinator.groups.add(Group.objects.get(name=COORDINATOR))
    AccountProfile.objects.create(user=coordinator, phone="+4520000002")
    staff = UserFactory(email="testmedarbejder@example.invalid")
    staff.groups.add(Group.objects.get(name=STAFF))
    emergency = UserFactory()
    emergency.groups.add(Group.objects.get(name=STAFF))
    AccountProfile.objects.create(user=emergency, is_emergency=True)
    return {"admin": admin, "coordinator": coordinator, "staff": staff, "emergency": emergency}


def _login(client, user):
    return client.post(reverse("login"), {"username": user.username, "password": PASSWORD})


def test_without_sso_passwords_work_as_before_and_nothing_is_announced(client, people):
    page = client.get(reverse("login"))
    assert b'name="password"' in page.content and b"emergency-link" not in page.content
    assert _login(client, people["staff"]).status_code == 302
    assert not EmergencyLogin.objects.exists()


def test_with_sso_an_ordinary_password_is_refused_with_a_reason(client, sso_on, people):
    response = _login(client, people["staff"])
    assert response.status_code == 200
    assert "Adgangskoder virker kun for nødkonti" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not EmergencyLogin.objects.exists()


def test_the_admin_login_is_gated_too(client, sso_on, settings):
    editor = UserFactory()
    editor.groups.add(Group.objects.get(name=EDITOR))
    data = {"username": editor.username, "password": PASSWORD}
    client.post(reverse("admin:login"), data)
    assert "_auth_user_id" not in client.session
    settings.OIDC_DISCOVERY_URL = ""  # SSO off: the same Redaktør gets in
    client.post(reverse("admin:login"), data)
    assert client.session["_auth_user_id"] == str(editor.pk)


def test_an_emergency_login_is_recorded_and_announced_once_on_each_channel(
    client, sso_on, people, django_capture_on_commit_callbacks, monkeypatch
):
    enqueued = []
    monkeypatch.setattr(services, "_notices_enqueue", enqueued.extend)
    with django_capture_on_commit_callbacks(execute=True):
        response = _login(client, people["emergency"])
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(people["emergency"].pk)
    login = EmergencyLogin.objects.get()
    assert login.user == people["emergency"]
    assert login.reason == EmergencyLogin.Reason.IDP_UNREACHABLE
    assert login.ip == "127.0.0.1"
    assert login.announced_at is None
    notices = set(EmergencyNotice.objects.values_list("recipient", "channel", "address"))
    assert notices == {
        (people["admin"].pk, "email", "testadmin@example.invalid"),
        (people["admin"].pk, "sms", "+4520000001"),
        (people["coordinator"].pk, "email", "testkoordinator@example.invalid"),
        (people["coordinator"].pk, "sms", "+4520000002"),
    }
    assert sorted(enqueued) == sorted(EmergencyNotice.objects.values_list("pk", flat=True))


def test_a_superuser_may_use_the_password_and_it_is_announced(client, sso_on, people, monkeypatch):
    monkeypatch.setattr(services, "_notices_enqueue", lambda ids: None)
    assert _login(client, people["admin"]).status_code == 302
    assert EmergencyLogin.objects.get().user == people["admin"]


def test_the_chosen_reason_when_the_provider_answers(client, sso_on, people, monkeypatch):
    from django.core.cache import cache

    monkeypatch.setattr(services, "_notices_enqueue", lambda ids: None)
    cache.set(REACHABLE_CACHE_KEY, True, 60)
    page = client.get(reverse("login"))
    assert b'id="emergency-link"' in page.content
    assert b'name="password"' not in page.content
    page = client.get(reverse("login") + "?nodadgang=1")
    assert b'name="password"' in page.content
    assert _login(client, people["emergency"]).status_code == 302
    assert EmergencyLogin.objects.get().reason == EmergencyLogin.Reason.CHOSEN


def test_the_login_page_shows_the_emergency_login_when_the_provider_is_down(client, sso_on):
    content = client.get(reverse("login")).content.decode()
    assert 'id="sso-login"' in content
    assert 'id="emergency-login"' in content
    assert "Kommunens login svarer ikke" in content
    assert content.index('id="sso-login"') < content.index('id="emergency-login"')


@pytest.fixture
def fake_servers(settings):
    smtp, gateway = SMTPServer(), GatewayAPIServer()
    smtp.start()
    gateway.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.SMS_BACKEND = "notifications.channels.GatewayAPISMSBackend"
    settings.GATEWAYAPI_URL, settings.GATEWAYAPI_TOKEN = gateway.url, gateway.token
    yield smtp, gateway
    smtp.stop()
    gateway.stop()


def test_each_notice_is_sent_exactly_once_and_the_login_is_marked_announced(
    people, fake_servers, monkeypatch
):
    smtp, gateway = fake_servers
    monkeypatch.setattr(services, "_notices_enqueue", lambda ids: None)
    login = services.emergency_login_record(
        user=people["emergency"], ip="192.0.2.7", reason=EmergencyLogin.Reason.IDP_UNREACHABLE
    )
    for notice in login.notices.all():
        assert services.emergency_notice_deliver(notice_id=notice.pk) == "sent"
        # A redelivered task finds it sent and sends nothing.
        assert services.emergency_notice_deliver(notice_id=notice.pk) == "skipped"
    login.refresh_from_db()
    assert login.announced_at is not None
    [mail] = smtp.to("testadmin@example.invalid")
    assert len(smtp.to("testkoordinator@example.invalid")) == 1
    assert "Nødadgang brugt" in mail["Subject"]
    assert "192.0.2.7" in mail.get_body(preferencelist=("plain",)).get_content()
    assert len(gateway.to("4520000001")) == 1 and len(gateway.to("4520000002")) == 1
    assert "nødadgang" in gateway.to("4520000002")[0]["message"]
    assert all(count == 1 for count in gateway.copies_by_userref().values())
    assert not smtp.to("testmedarbejder@example.invalid")


def test_a_notice_that_failed_for_a_while_is_sent_by_the_sweep(people, fake_servers, monkeypatch):
    _smtp, gateway = fake_servers
    sent_to_broker = []
    monkeypatch.setattr(services, "_notices_enqueue", sent_to_broker.extend)
    gateway.fail_with = 500
    login = services.emergency_login_record(
        user=people["emergency"], ip=None, reason=EmergencyLogin.Reason.CHOSEN
    )
    sms = login.notices.filter(channel="sms").first()
    assert services.emergency_notice_deliver(notice_id=sms.pk) == "retry"
    sms.refresh_from_db()
    assert sms.status == EmergencyNotice.Status.QUEUED and sms.attempts == 1
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    EmergencyNotice.objects.filter(pk=sms.pk).update(next_attempt_at=an_hour_ago)
    EmergencyLogin.objects.filter(pk=login.pk).update(at=an_hour_ago)
    sent_to_broker.clear()
    assert services.emergency_notices_sweep() >= 1
    assert sms.pk in sent_to_broker
    gateway.fail_with = None
    assert services.emergency_notice_deliver(notice_id=sms.pk) == "sent"


def test_the_emergency_login_is_in_english_from_the_language_switch(client, sso_on):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    html = client.get(reverse("login")).text
    assert "Emergency access" in html
    assert "Sign in with your municipal account" in html
    assert "Nødadgang" not in html


def test_the_sso_button_with_the_provider_down_leads_back_to_the_emergency_login(client, sso_on):
    response = client.get(reverse("oidc_authentication_init"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    html = response.content.decode()
    assert "Brug nødadgang" in html
    assert 'id="emergency-login"' in html
