from django.contrib import admin

from core.admin import HTTPS_URL_FIELDS
from notifications.models import OutboxMessage, Recipient, StatusUpdate


@admin.register(Recipient)
class RecipientAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URL_FIELDS  # the Teams webhook
    list_display = ["name", "incident", "channels", "source", "receives_updates", "is_active"]
    list_filter = ["source", "is_active"]
    search_fields = ["name", "email", "phone"]


@admin.register(StatusUpdate)
class StatusUpdateAdmin(admin.ModelAdmin):
    list_display = ["incident", "slot", "kind", "reason", "created_at", "completed_at"]
    list_filter = ["kind", "reason"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["idempotency_key", "channel", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status", "channel"]
    search_fields = ["idempotency_key", "address"]
    readonly_fields = ["idempotency_key"]
