from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The house's shared ground floor: what every app may import and that imports no app."""

    name = "core"
