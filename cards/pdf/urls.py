"""Mounted by config/urls.py as ``path("pdf/", include("cards.pdf.urls"))``."""

from django.urls import include, path

from cards.pdf import views

app_name = "cards_pdf"

# One card's PDFs, the newest published version's or version <number>'s.
card_patterns = [
    path("", views.card_bundle_download, name="bundle_latest"),
    path("v<int:number>/", views.card_bundle_download, name="bundle"),
    path("scenarie/<slug:scenario_slug>/", views.scenario_card_download, name="scenario_latest"),
    path("v<int:number>/<slug:scenario_slug>/", views.scenario_card_download, name="scenario"),
]

urlpatterns = [
    path("<slug:card_slug>/", include(card_patterns)),
]
