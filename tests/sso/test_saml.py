"""SAML 2.0 sign-in against a real pysaml2 IdP (tests/sso/saml_idp.py), Debian's xmlsec1
checking the signatures: the happy path and every refusal the issue names."""

import base64
import shutil
from importlib import import_module

import pytest
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from saml2 import time_util

from core.roles import COORDINATOR, EDITOR, STAFF
from sso.models import SeenAssertion
from sso.saml import privileges_from_values
from tests.conftest import require
from tests.security.conftest import ROLES, users  # noqa: F401 (the matrix's users fixture)
from tests.sso.saml_idp import (
    ASSERTION_MINUTES,
    form_fields,
    idp_trusting_the_app,
    privilege_list,
)

pytestmark = pytest.mark.django_db

ROLE_KOORD = "http://aarhus.dk/roller/krisekoordinator"
ROLE_BS = "http://aarhus.dk/roller/borgerservice-medarbejder"
ROLE_MAP = {ROLE_KOORD: COORDINATOR, ROLE_BS: STAFF}
ATTR = "https://data.gov.dk/model/core/eid/"
SP_ENTITY = "http://testserver/sso/saml/metadata/"


@pytest.fixture(scope="module")
def saml_env(tmp_path_factory):
    require(shutil.which("xmlsec1") is not None, "xmlsec1 is not installed (apt-get xmlsec1)")
    idp, values = idp_trusting_the_app(tmp_path_factory.mktemp("saml"), "http://testserver")
    yield idp, values
    idp.stop()


@pytest.fixture
def idp(saml_env, settings):
    idp, values = saml_env
    for name, value in values.items():
        setattr(settings, name, value)
    settings.SAML_IDP_METADATA_FILE = ""
    settings.SSO_ROLE_MAP = ROLE_MAP
    idp.mode = "ok"
    idp.identity = {
        f"{ATTR}professional/uuid/persistent": [idp.user_id],
        f"{ATTR}firstName": ["Testa"],
        f"{ATTR}lastName": ["Testesen"],
        f"{ATTR}email": ["testa.testesen@example.invalid"],
        f"{ATTR}privilegesIntermediate": [privilege_list(ROLE_KOORD, ROLE_BS)],
    }
    return idp


@pytest.fixture
def client():
    """The IdP's form post carries no CSRF token: the client checks CSRF as browsers do."""
    return Client(enforce_csrf_checks=True)


def idp_answer(client, idp, mode="ok") -> dict:
    """Start a login at the app, follow it to the IdP, and return the IdP's form fields."""
    idp.mode = mode
    start = client.get("/sso/saml/login/?next=/kontakter/")
    assert start.status_code == 302
    assert start["Location"].startswith(f"{idp.base}/sso/redirect?SAMLRequest=")
    assert "Signature=" in start["Location"]  # AuthnRequests are signed
    page = requests.get(start["Location"], timeout=10)
    assert page.status_code == 200
    return form_fields(page.text)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_a_signed_assertion_logs_in_a_new_user_with_the_mapped_roles(client, idp):
    response = client.post("/sso/saml/acs/", idp_answer(client, idp))

    assert response.status_code == 302, response.content.decode()[:500]
    assert response["Location"] == "/kontakter/"
    assert logged_in(client)
    user = get_user_model().objects.get(username=idp.user_id)
    assert (user.first_name, user.last_name, user.email) == (
        "Testa",
        "Testesen",
        "testa.testesen@example.invalid",
    )
    assert not user.has_usable_password()
    assert set(user.groups.values_list("name", flat=True)) == {COORDINATOR, STAFF}
    # The request the IdP answered asked for our ACS.
    assert idp.requests_seen[-1].assertion_consumer_service_url == "http://testserver/sso/saml/acs/"


def test_roles_are_evaluated_again_at_every_login(client, idp):
    client.post("/sso/saml/acs/", idp_answer(client, idp))
    client.logout()
    idp.identity[f"{ATTR}privilegesIntermediate"] = [privilege_list(ROLE_BS)]

    response = client.post("/sso/saml/acs/", idp_answer(client, idp))

    assert response.status_code == 302
    user = get_user_model().objects.get(username=idp.user_id)
    assert set(user.groups.values_list("name", flat=True)) == {STAFF}


@pytest.mark.parametrize("mode", ["unsigned", "wrong_audience", "wrong_recipient"])
def test_a_bad_assertion_is_refused_and_logs_in_nobody(client, idp, mode):
    response = client.post("/sso/saml/acs/", idp_answer(client, idp, mode=mode))

    assert response.status_code in (400, 403)
    assert "Login med kommunens konto mislykkedes" in response.content.decode()
    assert not logged_in(client)
    assert not get_user_model().objects.filter(username=idp.user_id).exists()


def test_an_expired_assertion_is_refused(client, idp, monkeypatch):
    fields = idp_answer(client, idp)
    # Posted after its NotOnOrAfter (5 minutes) and the allowed clock skew (60 s).
    late = time_util.utc_now() + ASSERTION_MINUTES * 60 + 61
    monkeypatch.setattr(time_util, "utc_now", lambda: late)

    response = client.post("/sso/saml/acs/", fields)

    assert response.status_code == 403
    assert "for gammelt" in response.content.decode()
    assert not logged_in(client)


def test_the_same_response_posted_twice_is_refused(client, idp):
    fields = idp_answer(client, idp)
    assert client.post("/sso/saml/acs/", fields).status_code == 302
    client.logout()

    again = client.post("/sso/saml/acs/", fields)

    assert again.status_code in (400, 403)
    assert not logged_in(client)


def test_a_replay_in_another_session_that_claims_the_request_is_refused(client, idp, db):
    """Even a session made to expect the same request id gets nothing: the assertion id
    was used once and is remembered in the database until it expires."""
    fields = idp_answer(client, idp)
    request_id = idp.requests_seen[-1].id
    assert client.post("/sso/saml/acs/", fields).status_code == 302
    assert SeenAssertion.objects.count() == 1

    other = Client(enforce_csrf_checks=True)
    other.get("/sso/saml/login/")
    # The configured engine (cached_db): a store written to the table alone would leave
    # the cached copy stale.
    engine = import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore(session_key=other.cookies["saml_session"].value)
    store["_saml2_outstanding_queries"] = {request_id: "/"}
    store.save()

    response = other.post("/sso/saml/acs/", fields)

    assert response.status_code == 400
    assert "_auth_user_id" not in other.session


def test_an_assertion_naming_a_local_password_account_is_refused(client, idp):
    User = get_user_model()
    local = User.objects.create_user(idp.user_id, password="lokal-adgangskode-123")

    response = client.post("/sso/saml/acs/", idp_answer(client, idp))

    assert response.status_code == 403
    assert not logged_in(client)
    assert not local.groups.exists()


def test_sp_metadata_is_served_at_a_stable_url(client, idp):
    response = client.get("/sso/saml/metadata/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    body = response.content.decode()
    assert f'entityID="{SP_ENTITY}"' in body
    assert 'WantAssertionsSigned="true"' in body
    assert 'AuthnRequestsSigned="true"' in body
    assert 'Location="http://testserver/sso/saml/acs/"' in body


def test_idp_metadata_from_a_file_works_too(client, idp, settings):
    settings.SAML_IDP_METADATA_URL = ""
    settings.SAML_IDP_METADATA_FILE = str(idp.directory / "idp-metadata.xml")

    response = client.post("/sso/saml/acs/", idp_answer(client, idp))

    assert response.status_code == 302
    assert logged_in(client)


@pytest.mark.parametrize("url", ["/sso/saml/login/", "/sso/saml/metadata/", "/sso/saml/acs/"])
def test_without_idp_metadata_saml_is_off(client, settings, url):
    settings.SAML_IDP_METADATA_FILE = ""
    settings.SAML_IDP_METADATA_URL = ""
    response = client.post(url) if url.endswith("acs/") else client.get(url)
    assert response.status_code == 404


def test_privileges_are_read_from_a_privilege_list_or_plain_values(settings):
    assert privileges_from_values([privilege_list(ROLE_KOORD, ROLE_BS)]) == [ROLE_KOORD, ROLE_BS]
    assert privileges_from_values([ROLE_BS, "grp-redaktoer"]) == [ROLE_BS, "grp-redaktoer"]
    assert privileges_from_values(None) == []
    # Not base64 XML: taken as a plain value (and then simply maps to no role).
    assert privileges_from_values(["bm90IHhtbA=="]) == ["bm90IHhtbA=="]
    assert EDITOR not in privileges_from_values(["<x/>"])


@pytest.mark.parametrize("role", ROLES)
def test_with_saml_on_every_role_reaches_the_saml_urls(client, idp, users, role):  # noqa: F811
    """The permission matrix's SAML rows with SAML set up: the endpoints are public (the
    IdP posts without our session); a logged-in user asking to log in is sent on."""
    if users[role] is not None:
        client.force_login(users[role])

    login = client.get("/sso/saml/login/")
    metadata = client.get("/sso/saml/metadata/")
    acs = client.post("/sso/saml/acs/", {})

    assert login.status_code == 302
    if users[role] is None:
        assert login["Location"].startswith(idp.base)
    assert metadata.status_code == 200
    assert acs.status_code == 400  # no SAMLResponse


XXE = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'


@pytest.mark.parametrize(
    "saml_response",
    [
        "",
        "not base64 at all <script>",
        "PHg+PC94Pg==",  # <x></x>
        base64.b64encode(XXE.encode()).decode(),
        "A" * 200_000,
    ],
)
def test_hostile_saml_responses_are_refused_without_an_error(client, idp, saml_response):
    idp_answer(client, idp)  # a login is outstanding

    response = client.post("/sso/saml/acs/", {"SAMLResponse": saml_response})

    assert response.status_code in (400, 403)
    assert "root:" not in response.content.decode()
    assert not logged_in(client)
