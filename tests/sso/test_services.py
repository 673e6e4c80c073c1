"""A user from the provider's claims: found again by issuer + sub, never a takeover of a
local superuser or emergency account."""

import pytest

from core.roles import COORDINATOR, STAFF
from sso.models import AccountProfile, ExternalIdentity
from sso.services import sso_user_sync
from tests.factories import UserFactory
from tests.sso.conftest import ROLE_MAP

pytestmark = pytest.mark.django_db

ISSUER = "http://127.0.0.1:1"


def _sync(**overrides):
    claims = {
        "issuer": ISSUER, "subject": "sub-1", "username": "fiktiv.person@example.invalid",
        "email": "fiktiv.person@example.invalid", "first_name": "Fiktiv", "last_name": "Person",
        "groups": ["grp-borgerservice"],
    }  # fmt: skip
    return sso_user_sync(**{**claims, **overrides})


def test_the_same_subject_is_the_same_user_whatever_its_name_becomes(settings):
    settings.SSO_ROLE_MAP = ROLE_MAP
    user = _sync()
    assert set(user.groups.values_list("name", flat=True)) == {STAFF}
    again = _sync(username="nyt.navn@example.invalid", groups=["grp-krise-koordinator"])
    assert again.pk == user.pk
    assert set(again.groups.values_list("name", flat=True)) == {COORDINATOR}
    assert ExternalIdentity.objects.count() == 1


def test_a_local_superuser_or_emergency_account_is_never_taken_over():
    admin = UserFactory(username="admin", is_superuser=True)
    emergency = UserFactory(username="noedkonto")
    AccountProfile.objects.create(user=emergency, is_emergency=True)
    assert _sync(username="admin") is None
    assert _sync(subject="sub-2", username="NOEDKONTO") is None
    assert not ExternalIdentity.objects.filter(user__in=[admin, emergency]).exists()


def test_an_existing_ordinary_account_is_linked_and_long_claims_are_cut():
    local = UserFactory(username="fiktiv.person@example.invalid")
    user = _sync(first_name="F" * 1000)
    assert user.pk == local.pk
    assert len(user.first_name) == 150
