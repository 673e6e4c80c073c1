"""The three roles of the app, as Django groups.

Each app's data migration grants its own permissions to these groups with
`grant_permissions`, so a new app never has to edit another app's migration.
"""

from django.contrib.auth.management import create_permissions

EDITOR = "Redaktør"
COORDINATOR = "Koordinator"
STAFF = "Medarbejder"
ROLES = (EDITOR, COORDINATOR, STAFF)


def grant_permissions(apps, grants):
    """Create the groups and give them permissions: ``{group: ["app.codename", …]}``.

    Used inside data migrations, where the permissions of models created in the same
    migration run do not exist yet, so they are created first.
    """
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, permissions in grants.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for dotted in permissions:
            app_label, codename = dotted.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def user_roles(user):
    if not user.is_authenticated:
        return set()
    return set(user.groups.values_list("name", flat=True))


def has_any_role(user):
    return user.is_authenticated and (user.is_superuser or bool(user_roles(user)))


def may_use_admin(user) -> bool:
    """Staff, superusers and Redaktører (by their role: no is_staff flag to remember)."""
    return user.is_active and (user.is_staff or user.is_superuser or EDITOR in user_roles(user))
