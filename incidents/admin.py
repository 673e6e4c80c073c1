from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.events import entry_text
from incidents.models import Incident, IntegrationToken, LogEntry
from incidents.services import integration_token_create


@admin.register(IntegrationToken)
class IntegrationTokenAdmin(admin.ModelAdmin):
    """Tokens for the figures API. The raw token is shown once, right after it is created."""

    list_display = ("name", "prefix", "card", "incident", "is_active", "created_at", "last_used_at")
    list_select_related = ("card", "incident")
    fields = (
        "name",
        "is_active",
        "card",
        "incident",
        "prefix",
        "created_at",
        "created_by",
        "last_used_at",
    )
    readonly_fields = ("prefix", "created_at", "created_by", "last_used_at")
    # Thousands of incidents over the years: an id field with a lookup, not a huge <select>.
    raw_id_fields = ("incident",)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, raw = integration_token_create(
            name=obj.name, user=request.user, card=obj.card, incident=obj.incident
        )
        if not obj.is_active:
            IntegrationToken.objects.filter(pk=token.pk).update(is_active=False)
        obj.pk = token.pk
        obj.refresh_from_db()
        messages.warning(
            request,
            _("Kopiér tokenet nu – det vises kun denne ene gang og gemmes kun som hash: %(raw)s")
            % {"raw": raw},
        )


class LogEntryInline(admin.TabularInline):
    model = LogEntry
    fields = ("sequence", "created_at", "author", "kind", "event", "category", "shown", "corrects")
    readonly_fields = fields
    extra = 0
    can_delete = False

    @admin.display(description=gettext_lazy("tekst"))
    def shown(self, entry):
        return entry_text(entry)  # the sentence, rendered from the event's data

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    """Read-only: incidents are worked on the dashboard, and the log is append-only."""

    list_display = ("title", "is_exercise", "status", "started_at", "closed_at")
    list_filter = ("status", "is_exercise")
    inlines = [LogEntryInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
