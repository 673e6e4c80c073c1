"""The access log in the admin: read-only for those who may see it, for everyone."""

from django.contrib import admin

from audit.models import AccessRecord
from core.admin import ReadOnlyAdmin


@admin.register(AccessRecord)
class AccessRecordAdmin(ReadOnlyAdmin):
    list_display = ["at", "username", "action", "object_type", "object_label", "person_phone"]
    list_filter = ["action", "object_type"]
    search_fields = ["username", "person_phone", "person_phone_other", "person_slug"]
    date_hierarchy = "at"
