"""SAML sign-in in Chromium through the production-like server (gunicorn, DEBUG=0): the app
redirects to the test IdP, the IdP's page posts the signed Response back (HTTP-POST
binding), and the person lands logged in with the mapped role. The refusal page and the
footer's accessibility link are checked with axe, as every page is."""

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from core.roles import COORDINATOR
from tests.a11y.test_axe import WIDTHS, axe_violations
from tests.conftest import BROWSER_TEST, require
from tests.prodserver import (
    ProductionServer,
    free_port,
    production_env_for_tests,
    production_server_required,
)
from tests.sso.saml_idp import idp_trusting_the_app, privilege_list

pytestmark = BROWSER_TEST

ATTR = "https://data.gov.dk/model/core/eid/"
ROLE = "http://aarhus.dk/roller/krisekoordinator"
STATEMENT = "https://tilgaengelighed.example.invalid/aktionskort"


@pytest.fixture(scope="module")
def saml_site(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """gunicorn with SAML on, and the IdP that trusts it."""
    require(shutil.which("xmlsec1") is not None, "xmlsec1 is not installed")
    production_server_required()
    port = free_port()
    idp, saml = idp_trusting_the_app(
        tmp_path_factory.mktemp("saml-browser"), f"http://127.0.0.1:{port}"
    )
    env = production_env_for_tests(
        static_root=request.getfixturevalue("production_static_root"),
        **{k: v for k, v in saml.items() if k != "SITE_URL"},
        SSO_ROLE_MAP=json.dumps({ROLE: COORDINATOR}),
        ACCESSIBILITY_STATEMENT_URL=STATEMENT,
        # Plain HTTP on loopback gives the SAML cookie SameSite=Lax (None needs Secure); the
        # IdP and the app are the same site (127.0.0.1), so Lax still rides the POST.
    )
    log = Path(tempfile.mkdtemp(prefix="ak-saml-")) / "gunicorn.log"
    server = ProductionServer(env, log, port=port, workers=1).start()
    yield server, idp
    server.stop()
    idp.stop()


def _identity(idp):
    return {
        f"{ATTR}professional/uuid/persistent": [idp.user_id],
        f"{ATTR}firstName": ["Testa"],
        f"{ATTR}lastName": ["Testesen"],
        f"{ATTR}email": ["testa.testesen@example.invalid"],
        f"{ATTR}privilegesIntermediate": [privilege_list(ROLE)],
    }


def test_a_person_signs_in_through_the_idp_in_chromium(saml_site, chromium):
    server, idp = saml_site
    idp.mode, idp.identity = "ok", _identity(idp)
    page = chromium.new_page()

    page.goto(server.url_of("/sso/saml/login/?next=/haendelser/"))
    page.wait_for_url(server.url_of("/haendelser/"), timeout=20_000)

    assert page.get_by_role("button", name="Log ud").is_visible()
    user = get_user_model().objects.get(username=idp.user_id)
    assert user.get_full_name() == "Testa Testesen"
    assert list(user.groups.values_list("name", flat=True)) == [COORDINATOR]


def test_the_refusal_page_has_no_serious_violations(saml_site, chromium):
    server, idp = saml_site
    idp.mode, idp.identity = "unsigned", _identity(idp)
    failures = {}
    for width in WIDTHS:
        context = chromium.new_context(viewport={"width": width, "height": 800}, bypass_csp=True)
        page = context.new_page()
        page.goto(server.url_of("/sso/saml/login/"))
        page.wait_for_url(server.url_of("/sso/saml/acs/"), timeout=20_000)
        assert page.get_by_role("heading", name="Login med kommunens konto mislykkedes").count()
        link = page.get_by_role("link", name="Tilgængelighedserklæring")
        assert link.get_attribute("href") == STATEMENT
        if violations := axe_violations(page):
            failures[f"{width}px"] = violations
        context.close()

    assert not failures, json.dumps(failures, indent=2, ensure_ascii=False)
    assert not get_user_model().objects.filter(username=idp.user_id).exists()
