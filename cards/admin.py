"""The admin is where Redaktører edit cards. Django's admin checks the group permissions
(core/roles.py), so a Medarbejder with ``is_staff`` still gets 403 on a change page.

Scenarios show their blocks, links and timers; blocks show their steps (ordered by the
number field); "Forhåndsvis" renders a scenario from the unpublished draft with the same
template staff see; "Udgiv ny version" publishes after a confirmation page.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from cards import models as cards_db
from cards.access import EditorAdminMixin
from cards.serialization import card_to_data
from cards.services import card_publish
from cards.snapshots import CardSnapshot


class ScenarioInline(EditorAdminMixin, admin.TabularInline):
    model = cards_db.Scenario
    fields = ["order", "title", "slug", "reason"]
    prepopulated_fields = {"slug": ["title"]}
    show_change_link = True
    extra = 0


class PhoneLineInline(EditorAdminMixin, admin.TabularInline):
    model = cards_db.PhoneLine
    fields = ["order", "name", "slug", "number"]
    extra = 0


class AnnouncementInline(EditorAdminMixin, admin.StackedInline):
    model = cards_db.Announcement
    fields = ["name", "slug", "audio_file", "text"]
    extra = 0


class MessageTemplateInline(EditorAdminMixin, admin.TabularInline):
    model = cards_db.MessageTemplate
    fields = ["slug", "kind", "text"]
    extra = 0


class ExternalCardInline(EditorAdminMixin, admin.TabularInline):
    model = cards_db.ExternalCard
    fields = ["title", "slug", "url"]
    extra = 0


@admin.register(cards_db.ActionCard)
class ActionCardAdmin(EditorAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "slug", "next_review", "latest_version", "pages"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["pages"]
    autocomplete_fields = ["owner", "log_keeper"]
    inlines = [
        ScenarioInline,
        PhoneLineInline,
        AnnouncementInline,
        MessageTemplateInline,
        ExternalCardInline,
    ]
    actions = ["publish"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(version_count=Count("versions"))

    @admin.display(description=gettext_lazy("udgivet version"))
    def latest_version(self, card):
        return card.version_count or "–"

    @admin.display(description=gettext_lazy("sider"))
    def pages(self, card):
        if card.pk is None:
            return "–"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("cards:card", args=[card.slug]),
            _("Kortet som medarbejderne ser det"),
            reverse("cards:history", args=[card.slug]),
            _("Ændringshistorik"),
        )

    def has_publish_permission(self, request):
        return request.user.has_perm("cards.publish_actioncard")

    @admin.action(description=gettext_lazy("Udgiv ny version"), permissions=["publish"])
    def publish(self, request, queryset):
        """Ask first: a new version is what every new incident and page will show."""
        if request.POST.get("confirm") == "yes":
            note = request.POST.get("note", "").strip()[:300]
            for card in queryset:
                version = card_publish(card=card, user=request.user, note=note)
                self.message_user(
                    request,
                    _("%(card)s: version %(n)s er udgivet.")
                    % {"card": card.title, "n": version.number},
                    messages.SUCCESS,
                )
            return None
        return TemplateResponse(
            request,
            "admin/cards/actioncard/publish_confirmation.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Udgiv ny version"),
                "opts": self.model._meta,
                "cards": queryset,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


class ScenarioBlockInline(EditorAdminMixin, admin.TabularInline):
    model = cards_db.ScenarioBlock
    fields = ["order", "block"]
    autocomplete_fields = ["block"]
    extra = 0


class ScenarioLinkInline(EditorAdminMixin, admin.TabularInline):
    model = cards_db.ScenarioLink
    fk_name = "scenario"
    fields = ["order", "text", "target_scenario", "external_card"]
    extra = 0


class ScenarioTimerInline(EditorAdminMixin, admin.TabularInline):
    model = cards_db.ScenarioTimer
    fields = ["name", "slug", "minutes", "text"]
    extra = 0


@admin.register(cards_db.Scenario)
class ScenarioAdmin(EditorAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "card", "order", "reason", "preview_link"]
    list_filter = ["card"]
    search_fields = ["title", "description", "reason", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["preview_link"]
    inlines = [ScenarioBlockInline, ScenarioLinkInline, ScenarioTimerInline]

    @admin.display(description=gettext_lazy("forhåndsvisning"))
    def preview_link(self, scenario):
        if scenario.pk is None:
            return "–"
        url = reverse("admin:cards_scenario_preview", args=[scenario.pk])
        return format_html('<a href="{}">{}</a>', url, _("Forhåndsvis"))

    def get_urls(self):
        preview = path(
            "<int:object_id>/forhaandsvis/",
            self.admin_site.admin_view(self.preview_view),
            name="cards_scenario_preview",
        )
        return [preview, *super().get_urls()]

    def preview_view(self, request, object_id):
        """The scenario as staff will see it once published: built from the draft."""
        from cards.views import render_scenario

        scenario = get_object_or_404(cards_db.Scenario.objects.select_related("card"), pk=object_id)
        if not self.has_view_permission(request, scenario):
            raise PermissionDenied
        snapshot = CardSnapshot(card_to_data(scenario.card))
        return render_scenario(
            request, card=scenario.card, snapshot=snapshot, scenario_slug=scenario.slug
        )


class StepInline(EditorAdminMixin, admin.StackedInline):
    model = cards_db.Step
    fields = [
        ("order", "kind"),
        "text",
        ("template", "announcement", "external_card"),
        ("person", "contact_group", "support_line"),
    ]
    autocomplete_fields = ["person", "contact_group", "support_line"]
    ordering = ["order", "pk"]
    show_change_link = True
    extra = 0


@admin.register(cards_db.Block)
class BlockAdmin(EditorAdminMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "card", "is_shared", "footer_order", "use_count"]
    list_filter = ["card", "is_shared"]
    search_fields = ["title", "slug", "steps__text"]
    inlines = [StepInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(use_count=Count("uses"))

    @admin.display(description=gettext_lazy("bruges i scenarier"), ordering="use_count")
    def use_count(self, block):
        return block.use_count

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return queryset, True if search_term else may_have_duplicates


class StepAlternativeInline(EditorAdminMixin, admin.TabularInline):
    model = cards_db.StepAlternative
    fields = ["order", "label", "text"]
    extra = 0


@admin.register(cards_db.Step)
class StepAdmin(EditorAdminMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "kind", "block", "order"]
    list_filter = ["kind", "block__card", "block__is_shared"]
    search_fields = ["text", "block__title", "block__slug", "alternatives__text"]
    autocomplete_fields = ["block", "person", "contact_group", "support_line"]
    filter_horizontal = ["phone_lines"]
    ordering = ["block", "order", "pk"]
    inlines = [StepAlternativeInline]


@admin.register(cards_db.PhoneLine)
class PhoneLineAdmin(EditorAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "number", "card", "order"]
    list_filter = ["card"]
    search_fields = ["name", "number"]


@admin.register(cards_db.Announcement)
class AnnouncementAdmin(EditorAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "audio_file", "card"]
    list_filter = ["card"]
    search_fields = ["name", "audio_file", "text"]


@admin.register(cards_db.MessageTemplate)
class MessageTemplateAdmin(EditorAdminMixin, SimpleHistoryAdmin):
    list_display = ["slug", "kind", "text", "card"]
    list_filter = ["card", "kind"]
    search_fields = ["slug", "text"]


@admin.register(cards_db.ExternalCard)
class ExternalCardAdmin(EditorAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "url", "card"]
    list_filter = ["card"]
    search_fields = ["title", "url"]


@admin.register(cards_db.CardVersion)
class CardVersionAdmin(EditorAdminMixin, admin.ModelAdmin):
    """Versions are snapshots: read only, made by "Udgiv ny version"."""

    list_display = ["card", "number", "published_at", "published_by", "note"]
    list_filter = ["card"]
    fields = ["card", "number", "published_at", "published_by", "note"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
