from django.contrib import admin

from smsin.models import InboundSMS


@admin.register(InboundSMS)
class InboundSMSAdmin(admin.ModelAdmin):
    list_display = ("received_at", "msisdn", "command", "outcome", "incident")
    list_filter = ("outcome", "command")
    readonly_fields = [f.name for f in InboundSMS._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
