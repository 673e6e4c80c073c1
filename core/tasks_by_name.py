"""Services name the Celery task they queue instead of importing it.

A task module imports its app's services (a task takes ids and calls a service); a service
that imported the task back would close an import circle inside the app
(`tests/test_layers.py` allows none). The task is looked up when it is queued: the same
task object, so ``.delay``, ``.apply_async`` and the tests that patch them behave as before.
"""

import logging

from django.db import transaction
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def task_named(path: str):
    """The Celery task at the dotted ``path``, e.g. ``"cards.tasks.card_bundle_render"``."""
    return import_string(path)


def task_enqueue_on_commit(path: str, *args, unsent: str) -> None:
    """Queue the task at ``path`` with ``args`` once the current transaction commits.

    A broker that is down never undoes the write that asked: ``unsent`` (a log format for
    ``args``) is logged, and what the task does happens later (the first download, the
    next request, the sweep).
    """

    def enqueue():
        try:
            task_named(path).delay(*args)
        except Exception:
            logger.exception(unsent, *args)

    transaction.on_commit(enqueue)
