"""Settings for the Celery worker of the Teams end-to-end test: the deployed settings plus
the one switch a deployment cannot set from its environment, so the worker may reach the
test's HTTPS server on 127.0.0.1 (see WEBHOOK_ALLOW_LOOPBACK_FOR_TESTS in config/settings.py).
"""

from config.settings import *  # noqa: F403

WEBHOOK_ALLOW_LOOPBACK_FOR_TESTS = True
