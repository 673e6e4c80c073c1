"""A Celery worker starts without pysaml2 or the QR code library (issue 13: the report's
memory budget).

Checked in a fresh interpreter, as a worker starts: Django set up, the tasks imported,
the start-up system checks run as Celery's Django fix-up runs them (all of them: they
load every view and every template tag library), one template rendered (as a report
render does).
"""

import json
import os
import subprocess
import sys

from django.conf import settings

WORKER_START = """
import importlib, json, sys
import django
django.setup()
from django.apps import apps
for config in apps.get_app_configs():
    try:
        importlib.import_module(config.name + ".tasks")
    except ModuleNotFoundError:
        pass
from config.celery import app
app._fixups[0].worker_fixup.validate_models()
from django.template import engines
engines["django"].from_string("{{ x }}").render({"x": 1})
heavy = ("saml2", "qrcode")
saml = [m for m in sys.modules if m.startswith(("djangosaml2.conf", "djangosaml2.templatetags"))]
print(json.dumps(sorted(saml + [m for m in sys.modules if m.split(".")[0] in heavy])))
"""


def _modules_after_worker_start():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(
        [sys.executable, "-c", WORKER_START],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_worker_loads_neither_pysaml2_nor_the_qr_code_library():
    assert _modules_after_worker_start() == []


def test_djangosaml2_templates_are_found_without_the_app():
    from django.template.loader import get_template

    assert "djangosaml2" not in settings.INSTALLED_APPS
    assert get_template("djangosaml2/auth_error.html").origin.name.endswith(
        "djangosaml2/templates/djangosaml2/auth_error.html"
    )
