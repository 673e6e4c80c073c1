"""Roles follow the person's job: the identity provider's groups decide them at each login.

``SSO_ROLE_MAP`` maps a provider's group, app role or job-function role to one of the
app's roles (``core.roles.ROLES``). Shared by OpenID Connect and SAML.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction

from core.roles import ROLES


def roles_for_groups(groups) -> set[str]:
    """The app roles that the provider's ``groups`` give, by ``SSO_ROLE_MAP``."""
    mapping = settings.SSO_ROLE_MAP
    return {mapping[g] for g in groups or () if g in mapping and mapping[g] in ROLES}


@transaction.atomic
def user_roles_sync(*, user, groups) -> set[str]:
    """Give ``user`` exactly the roles ``groups`` map to; other groups the user has are kept.

    Called at every SSO login, so a person removed from a group loses the role at their
    next login. Returns the roles the user now has.
    """
    wanted = roles_for_groups(groups)
    role_groups = {g.name: g for g in Group.objects.filter(name__in=ROLES)}
    for name, group in role_groups.items():
        if name in wanted:
            user.groups.add(group)
        else:
            user.groups.remove(group)
    return wanted
