from django.urls import path

from alerts import views

app_name = "alerts"
urlpatterns = [
    path("haendelse/<int:incident_id>/", views.panel, name="panel"),
    path("haendelse/<int:incident_id>/send/", views.send, name="send"),
    path("<int:alert_id>/send-igen/", views.resend, name="resend"),
    path("kvitter/<str:token>/", views.ack, name="ack"),
    path("push/abonner/", views.push_subscribe, name="push-subscribe"),
]
