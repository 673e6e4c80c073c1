from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmsinConfig(AppConfig):
    name = "smsin"
    verbose_name = _("SMS ind")
