from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

from config.roles import EDITOR, user_roles


class AktionskortAdminSite(admin.AdminSite):
    """The admin is where Redaktører edit cards: the role opens it, no is_staff flag needed."""

    site_header = "Aktionskort"
    site_title = "Aktionskort"

    def has_permission(self, request):
        user = request.user
        return user.is_active and (user.is_staff or EDITOR in user_roles(user))


class AktionskortAdminConfig(AdminConfig):
    default_site = "config.admin.AktionskortAdminSite"
