from django.urls import path

from cards import static_views, views

app_name = "cards"
urlpatterns = [
    path("soeg/", views.search, name="search"),
    path("historik/<slug:card_slug>/", views.history, name="history"),
    path("kort/<slug:card_slug>/", views.card_detail, name="card"),
    path("kort/<slug:card_slug>/kopi.html", static_views.static_copy_download, name="static_copy"),
    path("kort/<slug:card_slug>/<slug:scenario_slug>/", views.scenario_detail, name="scenario"),
]
