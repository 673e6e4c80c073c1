from django.urls import include, path

from incidents import views
from incidents.pdf import views as pdf_views
from incidents.views import api, offline, steps, writes

app_name = "incidents"

# Everything under one incident: /haendelser/<pk>/…
incident_patterns = [
    path("", views.dashboard, name="dashboard"),
    path("scenarie/", writes.escalate, name="escalate"),
    path("afslut/", writes.close, name="close"),
    path("log/", writes.log_full, name="log"),
    path("rapport.pdf", pdf_views.incident_report_download, name="report"),
    path("arkiv.zip", pdf_views.incident_archive_download, name="archive"),
    path("log/skriv/", writes.log_write, name="log_write"),
    path("offline/", offline.offline_write, name="offline_write"),
    path("log/<int:sequence>/ret/", writes.log_correct, name="log_correct"),
    path("trin/<int:step_pk>/", steps.step_detail, name="step"),
    path("trin/<int:step_pk>/<slug:action>/", steps.step_update, name="step_update"),
    path("tal/", writes.figures_add, name="figures"),
    path("tal/api/", api.figures_api, name="figures_api"),
    path("linjer/<int:line_pk>/", writes.phone_line_switch, name="phone_line"),
    path("timere/<int:timer_pk>/", writes.timer_start, name="timer"),
]

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("start/", writes.start, name="start"),
    path("skaerm/", views.wall, name="wall"),
    path("<int:pk>/", include(incident_patterns)),
]
