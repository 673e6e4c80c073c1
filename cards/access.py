"""Who may see a model in the admin: those who may change it (the views' check is
core.access.role_required)."""

from core.admin import HTTPS_URL_FIELDS


class EditorAdminMixin:
    """The admin is for editing. Readers hold ``view_*`` permissions for the staff pages,
    and Django would show them read-only admin pages; here only those who may change a
    model may see it in the admin, so a Medarbejder with ``is_staff`` gets 403.
    """

    # Names and titles end up in e-mail subjects and recipient names: one line each.
    single_line_fields = ("name", "title", "reason")
    formfield_overrides = HTTPS_URL_FIELDS

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        from core.validators import validate_single_line

        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and db_field.name in self.single_line_fields:
            field.validators.append(validate_single_line)
        return field

    def has_view_permission(self, request, obj=None):
        from django.contrib.auth import get_permission_codename

        opts = self.opts
        codename = get_permission_codename("change", opts)
        return request.user.has_perm(f"{opts.app_label}.{codename}")
