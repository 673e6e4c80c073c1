"""What a newcomer needs is in the README (issue 11 §7)."""

from pathlib import Path

from django.conf import settings

README = (Path(settings.BASE_DIR) / "README.md").read_text()


def test_readme_tells_how_to_add_a_user_with_a_role():
    assert "Add a user and give them a role" in README
    for role in ("Redaktør", "Koordinator", "Medarbejder"):
        assert role in README


def test_readme_tells_how_to_send_real_mail():
    assert "EMAIL_URL=smtp+tls://" in README


def test_readme_tells_how_to_reset_the_admin_password():
    assert "manage.py changepassword admin" in README


def test_readme_says_the_first_run_needs_the_package_registry():
    assert "needs the package registry" in README


def test_readme_tells_how_to_connect_a_saml_idp():
    for needed in ("SAML_IDP_METADATA_FILE", "SAML_SP_KEY_FILE", "/sso/saml/metadata/", "xmlsec1"):
        assert needed in README


def test_readme_tells_how_to_search_the_access_log():
    assert "/adgangslog/" in README and "ACCESS_LOG_RETENTION_DAYS" in README


def test_readme_says_what_works_when_things_are_down():
    section = README.split("## When things are down", 1)[1].split("\n## ", 1)[0]
    for case in ("No mobile data", "SMS only", "No identity provider", "No server at all"):
        assert case in section
