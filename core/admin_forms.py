from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.roles import may_use_admin


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's login asks the same question as the admin itself (``may_use_admin``),
    not Django's is_staff: a Redaktør without the flag logs in here too."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "not_admin": _(
            "Administrationen er for redaktører. Du kan logge ind i Aktionskort på forsiden."
        ),
    }

    def confirm_login_allowed(self, user):
        AuthenticationForm.confirm_login_allowed(self, user)
        if not may_use_admin(user):
            raise ValidationError(self.error_messages["not_admin"], code="not_admin")
