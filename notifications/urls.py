from django.urls import include, path

from notifications import views

app_name = "notifications"

# The panel on one incident's dashboard: /notifikationer/haendelse/<incident_id>/…
incident_patterns = [
    path("", views.incident_panel, name="incident-panel"),
    path("send/", views.status_update_send, name="send-now"),
    path("modtagere/", views.recipient_add, name="recipient-add"),
]

urlpatterns = [
    path("haendelse/<int:incident_id>/", include(incident_patterns)),
    path("modtager/<int:recipient_id>/fjern/", views.recipient_remove, name="recipient-remove"),
]
