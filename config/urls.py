from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from cards import views as card_views
from core import views
from sso import views as sso_views

handler403 = "core.views.permission_denied"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("login/", sso_views.login, name="login"),
    # The offline app: /logout/, /manifest.webmanifest, /sw.js (at the root, so that its
    # scope is the whole site) and /offline/precache.json.
    path("", include("pwa.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("kontakter/", include("contacts.urls")),
    path("haendelser/", include("incidents.urls")),
    path("notifikationer/", include("notifications.urls")),
    path("pdf/", include("cards.pdf.urls")),
    path("sso/saml/", include("sso.saml_urls")),
    path("adgangslog/", include("audit.urls")),
    path("oevelser/", include("exercises.urls")),
    path("sso/", include("sso.urls")),
    path("alarmer/", include("alerts.urls")),
    path("sms/", include("smsin.urls")),
    path("", card_views.home, name="home"),
    path("", include("cards.urls")),
]
