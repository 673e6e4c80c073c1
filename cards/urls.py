from django.urls import include, path

from cards import static_views, views

app_name = "cards"

# One card: /kort/<card_slug>/…
card_patterns = [
    path("", views.card_detail, name="card"),
    path("kopi.html", static_views.static_copy_download, name="static_copy"),
    path("<slug:scenario_slug>/", views.scenario_detail, name="scenario"),
]

urlpatterns = [
    path("soeg/", views.search, name="search"),
    path("historik/<slug:card_slug>/", views.history, name="history"),
    path("kort/<slug:card_slug>/", include(card_patterns)),
]
