from django.urls import path

from smsin import views

app_name = "smsin"
urlpatterns = [
    path("gatewayapi/", views.gatewayapi_incoming, name="gatewayapi"),
]
