"""Signing in through Chromium against a real OpenID Connect provider (oidc-provider on
Node.js), the app as it ships (gunicorn, tests/prodserver.py) with a real Celery worker,
the SMTP and GatewayAPI fakes; and the provider killed mid-test for the break-glass path."""

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group

from core.roles import COORDINATOR, STAFF
from sso.models import AccountProfile, EmergencyLogin, EmergencyNotice, ExternalIdentity
from tests.browser.conftest import danish_context
from tests.conftest import BROWSER_TEST, CHROMIUM, require
from tests.factories import PASSWORD, UserFactory
from tests.notifications.conftest import RedisServer
from tests.notifications.fakes import GatewayAPIServer, SMTPServer
from tests.prodserver import (
    ROOT,
    ProductionServer,
    after_the_servers,
    free_port,
    production_env_for_tests,
    production_server_required,
)
from tests.sso.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    ROLE_MAP,
    HangingServer,
    OIDCProvider,
    provider_required,
)

pytestmark = BROWSER_TEST
CELERY = Path(sys.executable).with_name("celery")


def _worker(env, log_path):
    log = open(log_path, "ab")  # noqa: SIM115 - kept open for the process
    process = subprocess.Popen(
        [str(CELERY), "-A", "config", "worker", "-Q", "celery,priority", "--pool=solo",
         "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "-n", f"sso-test-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while b" ready." not in Path(log_path).read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(Path(log_path).read_text(errors="replace")[-3000:])
        time.sleep(0.2)
    return process


@pytest.fixture(scope="module")
def stack(request, django_db_setup, django_db_blocker, production_static_root):
    """Provider, gunicorn with SSO configured, a worker on a private broker, the fakes."""
    provider_required()
    cache_url = production_server_required()
    require(os.path.exists(CHROMIUM), f"{CHROMIUM} is not installed")
    workdir = Path(tempfile.mkdtemp(prefix="ak-sso-"))
    app_port = free_port()
    provider = OIDCProvider(
        workdir, redirect_uris=[f"http://127.0.0.1:{app_port}/sso/oidc/callback/"]
    ).start()
    broker = RedisServer(workdir)
    broker.start()
    smtp, gateway = SMTPServer(), GatewayAPIServer()
    smtp.start()
    gateway.start()
    env = production_env_for_tests(
        static_root=production_static_root,
        redis_url=broker.url,
        email_url=smtp.url,
        CACHE_URL=cache_url,
        OIDC_DISCOVERY_URL=provider.discovery_url,
        OIDC_RP_CLIENT_ID=CLIENT_ID,
        OIDC_RP_CLIENT_SECRET=CLIENT_SECRET,
        OIDC_RP_SCOPES="openid email profile groups",
        SSO_ROLE_MAP=json.dumps(ROLE_MAP),
        # Every visit of the login page asks the provider: the test kills it.
        OIDC_PROBE_CACHE_SECONDS="0",
        SMS_BACKEND="notifications.channels.GatewayAPISMSBackend",
        GATEWAYAPI_URL=gateway.url,
        GATEWAYAPI_TOKEN=gateway.token,
        CONN_MAX_AGE="0",
    )
    server = ProductionServer(env, workdir / "gunicorn.log", port=app_port, workers=2).start()
    worker = _worker({**env, "LOG_LEVEL": "INFO"}, workdir / "worker.log")
    yield SimpleNamespace(
        provider=provider, server=server, smtp=smtp, gateway=gateway, workdir=workdir
    )
    worker.terminate()
    worker.wait(15)
    server.stop()
    provider.stop()
    smtp.stop()
    gateway.stop()
    broker.stop()
    after_the_servers(request, django_db_blocker, logs=workdir, what="SSO test logs")


@pytest.fixture
def browser(stack, chromium):
    return chromium


def _to_provider(page, stack):
    page.goto(stack.server.url_of("/login/"))
    page.click("#sso-login a")
    page.wait_for_selector("input[name=login]")


def _provider_login(page, login):
    """oidc-provider's login form (any password), then its consent page."""
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any-password-the-dev-form-ignores")
    page.click("button.login-submit")
    page.wait_for_selector('input[name="prompt"][value="consent"]', state="attached")
    page.click("button.login-submit")


def _sso_sign_in(browser, stack, login):
    context = danish_context(browser)
    page = context.new_page()
    _to_provider(page, stack)
    _provider_login(page, login)
    page.wait_for_url(re.compile(rf"^{re.escape(stack.server.url)}/(?!sso/)"))
    return context, page


def _roles(user):
    return set(user.groups.values_list("name", flat=True))


def test_roles_follow_the_provider_groups_at_every_login(browser, stack, django_user_model):
    stack.provider.account_set(
        "fiktiv.koordinator",
        email="fiktiv.koordinator@example.invalid",
        given_name="Fiktiv",
        family_name="Koordinator",
        groups=["grp-krise-koordinator", "grp-uden-rolle"],
    )
    context, page = _sso_sign_in(browser, stack, "fiktiv.koordinator")
    assert page.locator("nav.site-nav").get_by_text("Hændelser").is_visible()
    user = django_user_model.objects.get(username="fiktiv.koordinator")
    assert user.get_full_name() == "Fiktiv Koordinator"
    assert user.email == "fiktiv.koordinator@example.invalid"
    assert not user.has_usable_password()
    assert _roles(user) == {COORDINATOR}
    assert ExternalIdentity.objects.get(user=user).issuer == stack.provider.issuer
    context.close()

    # Moved to another job at the provider: the next login has the new role only.
    stack.provider.account_set(
        "fiktiv.koordinator", email="fiktiv.koordinator@example.invalid",
        groups=["grp-borgerservice"],
    )  # fmt: skip
    context, page = _sso_sign_in(browser, stack, "fiktiv.koordinator")
    assert _roles(user) == {STAFF}
    assert django_user_model.objects.filter(username="fiktiv.koordinator").count() == 1
    context.close()

    # No mapped group any more: signed in, but told whom to ask.
    stack.provider.account_set("fiktiv.koordinator", groups=[])
    context, page = _sso_sign_in(browser, stack, "fiktiv.koordinator")
    assert _roles(user) == set()
    assert page.get_by_role("heading", name="Du har endnu ingen rolle").is_visible()
    context.close()

    # Deactivated in the app: the provider's yes is not enough.
    django_user_model.objects.filter(pk=user.pk).update(is_active=False)
    context = danish_context(browser)
    page = context.new_page()
    _to_provider(page, stack)
    _provider_login(page, "fiktiv.koordinator")
    page.wait_for_url(re.compile(r"/login/"))
    assert page.get_by_text("Login med kommunens konto mislykkedes").is_visible()
    context.close()


def test_a_wrong_state_is_refused_and_the_right_one_still_works(browser, stack):
    """The provider sends back the state it was given: one the app never issued (a
    forged authorization request) is refused, and nobody is signed in."""
    stack.provider.account_set("fiktiv.medarbejder", groups=["grp-borgerservice"])
    context = danish_context(browser)
    page = context.new_page()
    page.goto(stack.server.url_of("/login/"))
    # The app's redirect to the provider, read without following it (same cookies).
    start = page.request.get(stack.server.url_of("/sso/oidc/login/"), max_redirects=0)
    authorize = start.headers["location"]
    assert authorize.startswith(stack.provider.issuer)
    assert "code_challenge=" in authorize and "code_challenge_method=S256" in authorize
    assert "nonce=" in authorize

    page.goto(re.sub(r"state=[^&]+", "state=forged-state-value", authorize))
    _provider_login(page, "fiktiv.medarbejder")
    page.wait_for_url(re.compile(r"/login/"))
    assert page.get_by_text("Login med kommunens konto mislykkedes").is_visible()
    page.goto(stack.server.url_of("/haendelser/"))
    assert "/login/" in page.url  # nobody signed in

    page.goto(authorize)  # the real state: the provider remembers the login
    page.wait_for_url(re.compile(rf"^{re.escape(stack.server.url)}/(?!sso/|login/)"))
    page.goto(stack.server.url_of("/haendelser/"))
    assert "/haendelser/" in page.url
    context.close()


def test_provider_down_the_emergency_login_works_and_is_announced(browser, stack):
    ordinary, emergency = _people_to_announce_to_and_two_who_log_in()

    stack.provider.account_set("fiktiv.vagt", groups=["grp-borgerservice"])
    signed_in, working = _sso_sign_in(browser, stack, "fiktiv.vagt")

    # The provider goes down, and its address then hangs (a black hole) instead.
    port = stack.provider.port
    stack.provider.stop()
    hanging = HangingServer(port)
    try:
        working.goto(stack.server.url_of("/haendelser/"))
        assert "/haendelser/" in working.url  # already signed in: keeps working
        _emergency_login_only_for_emergency_accounts(browser, stack, ordinary, emergency)
    finally:
        hanging.close()
        signed_in.close()

    [login] = EmergencyLogin.objects.filter(user=emergency)
    assert login.reason == EmergencyLogin.Reason.IDP_UNREACHABLE
    assert not EmergencyLogin.objects.filter(user=ordinary).exists()
    _wait_until_announced(login)
    assert len(stack.smtp.to("testadmin@example.invalid")) == 1
    assert len(stack.smtp.to("testkoordinator@example.invalid")) == 1
    assert len(stack.gateway.to("4520000011")) == 1
    assert len(stack.gateway.to("4520000012")) == 1
    [mail] = stack.smtp.to("testkoordinator@example.invalid")
    assert emergency.username in mail.get_body(preferencelist=("plain",)).get_content()
    # Restart for any later test of the module.
    stack.provider.start()


def _people_to_announce_to_and_two_who_log_in():
    """An admin and a Koordinator with e-mail and phone (told of an emergency login), an
    ordinary staff account and an emergency account; (ordinary, emergency) back."""
    admin = UserFactory(is_superuser=True, is_staff=True, email="testadmin@example.invalid")
    AccountProfile.objects.create(user=admin, phone="+4520000011")
    coordinator = UserFactory(email="testkoordinator@example.invalid")
    coordinator.groups.add(Group.objects.get(name=COORDINATOR))
    AccountProfile.objects.create(user=coordinator, phone="+4520000012")
    ordinary = UserFactory()
    ordinary.groups.add(Group.objects.get(name=STAFF))
    emergency = UserFactory()
    emergency.groups.add(Group.objects.get(name=STAFF))
    AccountProfile.objects.create(user=emergency, is_emergency=True)
    return ordinary, emergency


def _emergency_login_only_for_emergency_accounts(browser, stack, ordinary, emergency):
    context = danish_context(browser)
    page = context.new_page()
    started = time.monotonic()
    page.goto(stack.server.url_of("/login/"))
    elapsed = time.monotonic() - started
    assert elapsed < 3.0 + 1.5, elapsed  # ≤ 3 s probe + the page itself (busy machine)
    assert page.locator("#emergency-login").is_visible()
    assert page.get_by_text("Kommunens login svarer ikke lige nu.").is_visible()

    page.fill("input[name=username]", ordinary.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#emergency-login button[type=submit]")
    assert page.get_by_text("Adgangskoder virker kun for nødkonti").is_visible()

    page.fill("input[name=username]", emergency.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#emergency-login button[type=submit]")
    page.wait_for_url(re.compile(r"^(?!.*/login/)"))
    page.goto(stack.server.url_of("/haendelser/"))
    assert "/haendelser/" in page.url
    context.close()


def _wait_until_announced(login, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        login.refresh_from_db()
        if login.announced_at:
            break
        time.sleep(0.3)
    assert login.announced_at, list(
        EmergencyNotice.objects.values("channel", "status", "last_error")
    )
