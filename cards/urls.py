from django.urls import path

from cards import views

app_name = "cards"
urlpatterns = [
    path("soeg/", views.search, name="search"),
    path("historik/<slug:card_slug>/", views.history, name="history"),
    path("kort/<slug:card_slug>/", views.card_detail, name="card"),
    path("kort/<slug:card_slug>/<slug:scenario_slug>/", views.scenario_detail, name="scenario"),
]
