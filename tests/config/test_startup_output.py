"""Start-up output without repeated noise: every manage.py command, gunicorn worker and
Celery process imports the settings, so a line logged at import is printed once per
process (issue 11 §7: "AXES: BEGIN" ×8, kombu's hostname warning ×5)."""

import os
import subprocess
import sys

from django.conf import settings

# The embedded defaults `make run` starts on: SQLite and the filesystem broker.
# Lockouts on, as in production (the test run switches them off).
EMBEDDED = {
    **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
    "AXES_ENABLED": "1",
}
# What `make setup` then `make run` do in each process: load the app, and (as load_seed
# and the web process do when they enqueue) open a broker connection.
SCRIPT = """
import django
django.setup()
from config.celery import app
from django.conf import settings
with app.connection_for_write() as connection:
    connection.as_uri()
    connection._info()
print("started", settings.AXES_ENABLED, settings.AXES_VERBOSE, settings.CELERY_BROKER_URL)
"""


def _start_up_output():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=settings.BASE_DIR,
        env={**EMBEDDED, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout + result.stderr


def test_a_process_starts_without_axes_or_kombu_noise():
    output = _start_up_output()

    # Lockouts stay on; only the start-up banner and the warning are gone.
    assert "started True False filesystem://localhost/" in output
    assert "AXES: BEGIN" not in output
    assert "No hostname was supplied" not in output
