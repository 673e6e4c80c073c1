from django.contrib import admin

from alerts.models import Alert, AlertRecipient, Delivery, PushSubscription
from core.admin import HTTPS_URL_FIELDS


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("created_at", "incident", "text", "group", "rounds")
    readonly_fields = [f.name for f in Alert._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(AlertRecipient)
class AlertRecipientAdmin(admin.ModelAdmin):
    list_display = ("alert", "name", "acked_at", "acked_via")
    exclude = ("token_hash",)

    def has_add_permission(self, request):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("idempotency_key", "channel", "status", "attempts", "sent_at")
    list_filter = ("channel", "status")

    def has_add_permission(self, request):
        return False


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URL_FIELDS  # the push service's endpoint
    list_display = ("user", "created_at", "is_active")
