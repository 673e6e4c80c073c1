"""Services name the Celery task they queue instead of importing it.

A task module imports its app's services (a task takes ids and calls a service); a service
that imported the task back would close an import circle inside the app
(`tests/test_layers.py` allows none). The task is looked up when it is queued: the same
task object, so ``.delay``, ``.apply_async`` and the tests that patch them behave as before.
"""

from django.utils.module_loading import import_string


def task_named(path: str):
    """The Celery task at the dotted ``path``, e.g. ``"cards.tasks.card_bundle_render"``."""
    return import_string(path)
