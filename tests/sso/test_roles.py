import pytest
from django.contrib.auth.models import Group

from core.roles import COORDINATOR, EDITOR, STAFF
from sso.roles import roles_for_groups, user_roles_sync

pytestmark = pytest.mark.django_db

ROLE_MAP = {"grp-krise-koordinator": COORDINATOR, "grp-borgerservice": STAFF, "grp-x": "Ukendt"}


def test_groups_map_to_roles_and_unknown_ones_are_ignored(settings):
    settings.SSO_ROLE_MAP = ROLE_MAP
    assert roles_for_groups(["grp-borgerservice", "grp-x", "grp-other"]) == {STAFF}
    assert roles_for_groups(None) == set()


def test_a_role_removed_at_the_provider_is_removed_at_the_next_login(settings, django_user_model):
    settings.SSO_ROLE_MAP = ROLE_MAP
    user = django_user_model.objects.create_user("fiktiv.person")
    other = Group.objects.create(name="Andet")
    user.groups.add(other)

    assert user_roles_sync(user=user, groups=["grp-krise-koordinator", "grp-borgerservice"]) == {
        COORDINATOR,
        STAFF,
    }
    assert set(user.groups.values_list("name", flat=True)) == {COORDINATOR, STAFF, "Andet"}

    user_roles_sync(user=user, groups=["grp-borgerservice"])
    assert set(user.groups.values_list("name", flat=True)) == {STAFF, "Andet"}
    assert not user.groups.filter(name=EDITOR).exists()
