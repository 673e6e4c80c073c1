"""Contacts in the admin, for Redaktører. Django's admin checks the group permissions."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from audit.models import AccessRecord
from audit.services import access_record
from cards.access import EditorAdminMixin
from contacts.models import ContactGroup, ContactGroupMember, Organisation, Person, SupportLine


@admin.register(Organisation)
class OrganisationAdmin(EditorAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "kind", "slug"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Person)
class PersonAdmin(EditorAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "title", "organisation", "phone", "email"]
    list_filter = ["organisation"]
    search_fields = ["name", "title", "phone", "phone_secondary", "email", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        access_record(user=request.user, action=AccessRecord.Action.CHANGE, obj=obj)

    def delete_model(self, request, obj):
        access_record(user=request.user, action=AccessRecord.Action.DELETE, obj=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        access_record(user=request.user, action=AccessRecord.Action.DELETE, objs=queryset)
        super().delete_queryset(request, queryset)


@admin.register(SupportLine)
class SupportLineAdmin(EditorAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "organisation", "phone", "hours_label"]
    list_filter = ["organisation", "open_on_holidays"]
    search_fields = ["name", "phone", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class ContactGroupMemberInline(EditorAdminMixin, admin.TabularInline):
    model = ContactGroupMember
    fields = ["order", "person", "email"]
    autocomplete_fields = ["person"]
    extra = 1


@admin.register(ContactGroup)
class ContactGroupAdmin(EditorAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug", "members__email", "members__person__name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ContactGroupMemberInline]

    def save_related(self, request, form, formsets, change):
        # After the members: a group's e-mail addresses are personal data too.
        super().save_related(request, form, formsets, change)
        access_record(user=request.user, action=AccessRecord.Action.CHANGE, obj=form.instance)
