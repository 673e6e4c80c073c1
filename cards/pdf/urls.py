"""Mounted by config/urls.py as ``path("pdf/", include("cards.pdf.urls"))``."""

from django.urls import path

from cards.pdf import views

app_name = "cards_pdf"

urlpatterns = [
    path("<slug:card_slug>/", views.card_bundle_download, name="bundle_latest"),
    path("<slug:card_slug>/v<int:number>/", views.card_bundle_download, name="bundle"),
    path(
        "<slug:card_slug>/scenarie/<slug:scenario_slug>/",
        views.scenario_card_download,
        name="scenario_latest",
    ),
    path(
        "<slug:card_slug>/v<int:number>/<slug:scenario_slug>/",
        views.scenario_card_download,
        name="scenario",
    ),
]
