"""A Celery worker starts without the web side (issue 13: the report's memory budget).

Checked in a fresh interpreter, as a worker starts: Django set up, the tasks imported,
the fix-up's start-up checks run, one template rendered (as a report render does).
"""

import json
import os
import subprocess
import sys

from django.conf import settings

WORKER_START = """
import importlib, json, os, sys
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
ours = {c.name.split(".")[0] for c in apps.get_app_configs() if not c.name.startswith("django")}
views = [m for m in sys.modules if m.split(".")[0] in ours and ".views" in m]
saml = [m for m in sys.modules if m.startswith(("djangosaml2.conf", "djangosaml2.templatetags"))]
print(json.dumps(sorted(views + saml + [m for m in sys.modules if m.split(".")[0] in heavy])))
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


def test_a_worker_loads_no_view_no_pysaml2_and_no_qr_code_library():
    assert _modules_after_worker_start() == []


def test_the_worker_fixup_is_ours_and_skips_only_the_web_checks():
    from config.celery import WORKER_SKIPPED_CHECK_TAGS, WorkerFixup, app

    assert isinstance(app._fixups[0].worker_fixup, WorkerFixup)
    assert {"urls", "templates"} == WORKER_SKIPPED_CHECK_TAGS


def test_djangosaml2_templates_are_found_without_the_app():
    from django.template.loader import get_template

    assert "djangosaml2" not in settings.INSTALLED_APPS
    assert get_template("djangosaml2/auth_error.html").origin.name.endswith(
        "djangosaml2/templates/djangosaml2/auth_error.html"
    )
