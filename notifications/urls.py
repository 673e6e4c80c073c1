from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("haendelse/<int:incident_id>/", views.incident_panel, name="incident-panel"),
    path("haendelse/<int:incident_id>/send/", views.status_update_send, name="send-now"),
    path("haendelse/<int:incident_id>/modtagere/", views.recipient_add, name="recipient-add"),
    path("modtager/<int:recipient_id>/fjern/", views.recipient_remove, name="recipient-remove"),
]
