"""The user admin: deactivating a user (the "Aktiv" box, or the list action) ends every
session of theirs at once, so an open dashboard stops polling as them."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core import accounts

User = get_user_model()


class AktionskortUserAdmin(UserAdmin):
    actions = ["deactivate"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and not obj.is_active and "is_active" in form.changed_data:
            accounts.user_sessions_end(user_ids=[obj.pk])

    @admin.action(description=_("Deaktivér valgte brugere og log dem ud"), permissions=["change"])
    def deactivate(self, request, queryset):
        users = list(queryset.exclude(pk=request.user.pk))
        accounts.users_deactivate(users=users)
        self.message_user(
            request,
            ngettext(
                "%(count)d bruger er deaktiveret og logget ud.",
                "%(count)d brugere er deaktiveret og logget ud.",
                len(users),
            )
            % {"count": len(users)},
            messages.SUCCESS,
        )


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, AktionskortUserAdmin)
