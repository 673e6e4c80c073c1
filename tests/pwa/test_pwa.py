"""The installable app: manifest, service worker, precache list, logout (issue 7)."""

import json
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.urls import include, path, reverse

from cards.snapshots import CardSnapshot
from pwa import views as pwa_views
from pwa.selectors import cache_version, precache_page_urls
from tests.conftest import require, url_exists

CONFIG_RE = re.compile(r"^const CONFIG = (.*);$", re.MULTILINE)


def _png_size(name):
    with open(finders.find(name), "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{name} is not a PNG"
    return struct.unpack(">II", head[16:24])


def _sw_config(response):
    return json.loads(CONFIG_RE.search(response.text).group(1))


# ---- Manifest


@pytest.mark.django_db
def test_manifest_is_valid_json_in_danish_with_the_icons(client):
    response = client.get("/manifest.webmanifest")

    assert response.status_code == 200, "open without login: browsers fetch it without cookies"
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "Aktionskort – Borgerservice"
    assert manifest["short_name"] == "Aktionskort"
    assert manifest["lang"] == "da"
    assert manifest["start_url"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#0a2540"
    assert manifest["background_color"] == "#f3f5f8"
    purposes = {icon["purpose"] for icon in manifest["icons"]}
    assert purposes == {"any", "maskable"}
    for icon in manifest["icons"]:
        name = icon["src"].removeprefix("/static/")
        assert finders.find(name), f"{icon['src']} does not exist"
        if icon["type"] == "image/png":
            width, height = _png_size(name)
            assert icon["sizes"] == f"{width}x{height}"
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in manifest["icons"]}


def test_manifest_colours_are_the_stylesheets():
    css = Path(finders.find("css/app.css")).read_text()

    assert f"--head:{pwa_views.THEME_COLOR}" in css
    assert f"--bg:{pwa_views.BACKGROUND_COLOR}" in css


@pytest.mark.django_db
def test_every_page_links_the_manifest_and_the_script(client, staff_user, card):
    client.force_login(staff_user)

    html = client.get(reverse("home")).text

    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert '<meta name="theme-color" content="#0a2540">' in html
    assert 'rel="apple-touch-icon"' in html
    assert '<script src="/static/js/pwa.js" defer></script>' in html
    body = html.split("<body", 1)[1]
    assert body.split(">", 2)[1].strip().startswith('<div class="offline-banner" hidden')
    assert "<style" not in html
    assert " style=" not in html
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == [], "no inline scripts"


# ---- Service worker


@pytest.mark.django_db
def test_service_worker_is_served_from_the_root_with_its_headers(client):
    response = client.get("/sw.js")

    assert response.status_code == 200, "open without login: the login page registers it"
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    config = _sw_config(response)
    assert config["version"] == cache_version()
    assert config["networkTimeoutMs"] == 3000
    assert "/static/css/app.css" in config["shell"]
    assert "/static/vendor/htmx/htmx.min.js" in config["shell"]
    assert "/static/js/pwa.js" in config["shell"]
    for url in config["shell"]:
        assert finders.find(url.removeprefix("/static/")), f"{url} does not exist"
    assert not any(url.endswith(".ttf") for url in config["shell"]), "PDF fonts stay out"


@pytest.mark.django_db
def test_service_worker_and_page_script_are_valid_javascript(client, tmp_path):
    node = shutil.which("node")
    require(node is not None, "node is not installed (used only to syntax-check the JS)")
    sw = tmp_path / "sw.js"
    sw.write_text(client.get("/sw.js").text)

    for script in (sw, finders.find("js/pwa.js")):
        result = subprocess.run([node, "--check", str(script)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


def test_cache_version_changes_with_a_static_file(settings, tmp_path):
    (tmp_path / "css").mkdir()
    stylesheet = tmp_path / "css" / "app.css"
    stylesheet.write_text("body{color:#000}")
    settings.STATICFILES_DIRS = [tmp_path]
    settings.DEBUG = True  # recomputed on every call, as in `make run`

    before = cache_version()
    stylesheet.write_text("body{color:#111}")
    after = cache_version()

    assert before != after
    assert cache_version() == after


# ---- Precache list

# Stand-ins for the staff pages of the cards and contacts apps, with the URL names and
# shapes the PWA relies on; the real pages are tested by the browser tests.
_stub = lambda request, *args, **kwargs: HttpResponse("")  # noqa: E731
urlpatterns = [
    path("", _stub, name="home"),
    path(
        "kort/",
        include(
            (
                [
                    path("<slug:card>/", _stub, name="card"),
                    path("<slug:card>/<slug:scenario>/", _stub, name="scenario"),
                ],
                "cards",
            )
        ),
    ),
    path("kontakter/", include(([path("", _stub, name="list")], "contacts"))),
    path("logout/", pwa_views.logout, name="logout"),
    path("login/", _stub, name="login"),
    path("sw.js", pwa_views.service_worker, name="pwa-sw"),
    path("offline/precache.json", pwa_views.precache, name="pwa-precache"),
]


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_precache_lists_every_scenario_of_the_card_and_the_contacts(staff_user, seeded_card):
    slugs = CardSnapshot(seeded_card.versions.latest().snapshot).scenario_slugs()

    urls = precache_page_urls(user=staff_user)

    assert len(slugs) == 7
    assert urls == [
        "/",
        "/kort/telefoni/",
        *[f"/kort/telefoni/{slug}/" for slug in slugs],
        "/kontakter/",
    ]


@pytest.mark.django_db
def test_precache_lists_the_real_scenario_pages(client, staff_user, card):
    require(
        url_exists("cards:scenario", "telefoni", "x") and url_exists("contacts:list"),
        "the staff pages (cards:scenario, contacts:list) are not merged yet",
    )
    client.force_login(staff_user)

    listed = client.get(reverse("pwa-precache")).json()["pages"]

    for slug in CardSnapshot(card.versions.latest().snapshot).scenario_slugs():
        url = reverse("cards:scenario", args=[card.slug, slug])
        assert url in listed
        assert client.get(url).status_code == 200, url
    assert reverse("contacts:list") in listed


@pytest.mark.django_db
def test_precache_json_for_a_role_user(client, coordinator, card):
    client.force_login(coordinator)

    response = client.get(reverse("pwa-precache"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "private" in response["Cache-Control"]
    data = response.json()
    assert data["version"] == cache_version()
    assert "/" in data["pages"]
    assert "/static/css/app.css" in data["static"]
    assert re.fullmatch(r"[0-9a-f]{20}", data["session"])
    assert data["session"] in client.get(reverse("home")).text


@pytest.mark.django_db
def test_precache_unchanged_is_a_304(client, staff_user, card):
    client.force_login(staff_user)
    first = client.get(reverse("pwa-precache"))

    again = client.get(reverse("pwa-precache"), headers={"If-None-Match": first["ETag"]})

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


@pytest.mark.django_db
def test_precache_is_refused_without_a_role(client, no_role_user, card):
    client.force_login(no_role_user)

    response = client.get(reverse("pwa-precache"))

    assert response.status_code == 403
    assert response.json()["pages"] == []
    assert response.json()["static"] == []
    assert "ingen rolle" in response.json()["detail"]
    assert precache_page_urls(user=no_role_user) == []


@pytest.mark.django_db
def test_precache_needs_login(client, card):
    response = client.get(reverse("pwa-precache"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# ---- Page attributes


@pytest.mark.django_db
def test_body_carries_a_session_marker_that_changes_with_each_login(client, staff_user):
    client.force_login(staff_user)
    first = _body_attrs(client.get(reverse("home")).text)
    key = client.session.session_key
    client.logout()
    client.force_login(staff_user)
    second = _body_attrs(client.get(reverse("home")).text)

    assert re.fullmatch(r"[0-9a-f]{20}", first["data-pwa-session"])
    assert first["data-pwa-session"] != second["data-pwa-session"]
    assert key not in str(first), "the session key itself never goes into the page"
    assert first["data-pwa-saved-at"] == "", "only the service worker fills it in"
    assert first["data-pwa-precache"] == reverse("pwa-precache")
    assert first["data-pwa-sw"] == "/sw.js"
    assert first["data-pwa-logout"] == reverse("logout")


@pytest.mark.django_db
def test_no_precache_and_no_session_for_those_without_one(client, no_role_user):
    login_page = _body_attrs(client.get(reverse("login")).text)
    client.force_login(no_role_user)
    no_role_page = _body_attrs(client.get(reverse("home")).text)

    assert login_page["data-pwa-session"] == ""
    assert "data-pwa-precache" not in login_page
    assert "data-pwa-precache" not in no_role_page


def _body_attrs(html):
    tag = re.search(r"<body[^>]*>", html).group(0)
    return dict(re.findall(r'(data-pwa-[\w-]+)="([^"]*)"', tag))


# ---- Logout


@pytest.mark.django_db
def test_logout_clears_the_browsers_storage(client, staff_user):
    client.force_login(staff_user)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response.url == reverse("login")
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_logout_with_an_expired_session_still_clears(client):
    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'


@pytest.mark.django_db
def test_logout_by_get_is_refused_and_clears_nothing(client, staff_user):
    client.force_login(staff_user)

    response = client.get(reverse("logout"))

    assert response.status_code == 405
    assert "Clear-Site-Data" not in response
