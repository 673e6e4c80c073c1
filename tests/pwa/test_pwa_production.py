"""The offline app as it ships (issue 11 §1): hashed static files, DEBUG=0, gunicorn.

The other PWA tests (test_pwa.py) run on the plain storage the test settings use; that
is how `/sw.js` answering 500 in production went unnoticed.
"""

import json
import re

import pytest
import requests
from django.conf import settings
from django.test import Client

CONFIG_RE = re.compile(r"^const CONFIG = (.*);$", re.MULTILINE)
# ManifestStaticFilesStorage puts 12 hex digits of the content's MD5 before the suffix.
HASHED = re.compile(r"\.[0-9a-f]{12}\.\w+$")
MANIFEST_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


def _sw_config(text):
    return json.loads(CONFIG_RE.search(text).group(1))


@pytest.mark.django_db
def test_service_worker_answers_under_the_manifest_storage(
    client, settings, production_static_root
):
    """Regression: ``static("")`` has no manifest entry, so /sw.js was a 500."""
    settings.STATIC_ROOT = production_static_root
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST_STORAGE}}

    response = client.get("/sw.js")

    assert response.status_code == 200
    config = _sw_config(response.text)
    assert config["staticUrl"] == "/static/"
    assert config["shell"], "the shell is not empty"
    for url in config["shell"]:
        assert url.startswith("/static/")
        assert HASHED.search(url), f"{url}: not the hashed name production serves"


def _session_cookie(user) -> dict:
    client = Client()
    client.force_login(user)
    return {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}


def _not_200(http, base, urls, cookies=None):
    answers = {url: http.get(base + url, cookies=cookies, timeout=15) for url in urls}
    return {url: r.status_code for url, r in answers.items() if r.status_code != 200}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_url_the_service_worker_precaches_answers_200_as_shipped(
    production_server, card, editor, coordinator, staff_user
):
    base = production_server.url
    http = requests.Session()

    sw = http.get(f"{base}/sw.js", timeout=15)
    assert sw.status_code == 200, production_server.log()
    config = _sw_config(sw.text)
    assert all(HASHED.search(u) for u in config["shell"]), "served from the manifest"
    assert not _not_200(http, base, config["shell"]), production_server.log()

    # The installed app's icons (the browser reads them from the web app manifest).
    manifest = http.get(f"{base}/manifest.webmanifest", timeout=15)
    assert manifest.status_code == 200
    icons = [icon["src"] for icon in manifest.json()["icons"]]
    assert all(HASHED.search(u) for u in icons)
    assert not _not_200(http, base, icons)

    checked = {}
    for user in (editor, coordinator, staff_user):
        cookies = _session_cookie(user)
        listed = http.get(f"{base}/offline/precache.json", cookies=cookies, timeout=15)
        assert listed.status_code == 200, (user.groups.first().name, production_server.log())
        precache = listed.json()
        assert precache["version"] == config["version"]
        assert len(precache["pages"]) > 3, "the home page, the card, its scenarios, contacts"
        failed = _not_200(http, base, precache["pages"] + precache["static"], cookies)
        assert not failed, (user.groups.first().name, failed, production_server.log())
        checked[user.groups.first().name] = len(precache["pages"]) + len(precache["static"])
    print(f"precached URLs answering 200 per role: {checked}")
