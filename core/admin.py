from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.db import models

from core.roles import may_use_admin

# Every admin with a web-address field: one typed without its scheme ("leverandor.example")
# is an https one (Django 6.0's default; 5.2 still assumes http and warns).
HTTPS_URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class AktionskortAdminSite(admin.AdminSite):
    """The admin is where Redaktører edit cards: the role opens it, no is_staff flag needed."""

    site_header = "Aktionskort"
    site_title = "Aktionskort"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Imported here: this module is loaded before the models (auth's forms need them).
        from core.admin_forms import AdminLoginForm

        self.login_form = AdminLoginForm

    def has_permission(self, request):
        return may_use_admin(request.user)


class AktionskortAdminConfig(AdminConfig):
    default_site = "core.admin.AktionskortAdminSite"

    def ready(self):
        super().ready()
        # After autodiscover (which registered Django's UserAdmin); imported here because
        # this module is loaded before the models are.
        from core import user_admin  # noqa: F401


class ReadOnlyAdmin(admin.ModelAdmin):
    """An audit trail in the admin: shown, never added, edited or deleted there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
