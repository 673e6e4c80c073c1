from django.contrib import admin

from core.admin import ReadOnlyAdmin
from sso.models import AccountProfile, EmergencyLogin, EmergencyNotice, ExternalIdentity


@admin.register(AccountProfile)
class AccountProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "is_emergency", "phone"]
    list_filter = ["is_emergency"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(admin.ModelAdmin):
    list_display = ["user", "issuer", "subject", "last_login_at"]
    search_fields = ["user__username", "subject"]
    readonly_fields = ["user", "issuer", "subject", "created_at", "last_login_at"]


class EmergencyNoticeInline(admin.TabularInline):
    model = EmergencyNotice
    extra = 0
    can_delete = False
    fields = ["recipient", "channel", "address", "status", "attempts", "sent_at", "last_error"]
    readonly_fields = fields


@admin.register(EmergencyLogin)
class EmergencyLoginAdmin(ReadOnlyAdmin):
    """The audit log of emergency logins: read only, nothing is edited or deleted here."""

    list_display = ["at", "user", "reason", "ip", "announced_at"]
    list_filter = ["reason"]
    date_hierarchy = "at"
    readonly_fields = ["user", "at", "ip", "reason", "path", "announced_at"]
    inlines = [EmergencyNoticeInline]
