"""The offline app's URLs, included at the root by config/urls.py: the service worker must
be served from "/" for its scope to cover every page."""

from django.urls import path

from pwa import views

urlpatterns = [
    path("logout/", views.logout, name="logout"),
    path("manifest.webmanifest", views.manifest, name="pwa-manifest"),
    path("sw.js", views.service_worker, name="pwa-sw"),
    path("offline/precache.json", views.precache, name="pwa-precache"),
]
