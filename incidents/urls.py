from django.urls import path

from incidents import views
from incidents.pdf import views as pdf_views
from incidents.views import api, offline, steps, writes

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="list"),
    path("start/", writes.start, name="start"),
    path("skaerm/", views.wall, name="wall"),
    path("<int:pk>/", views.dashboard, name="dashboard"),
    path("<int:pk>/scenarie/", writes.escalate, name="escalate"),
    path("<int:pk>/afslut/", writes.close, name="close"),
    path("<int:pk>/log/", writes.log_full, name="log"),
    path("<int:pk>/rapport.pdf", pdf_views.incident_report_download, name="report"),
    path("<int:pk>/arkiv.zip", pdf_views.incident_archive_download, name="archive"),
    path("<int:pk>/log/skriv/", writes.log_write, name="log_write"),
    path("<int:pk>/offline/", offline.offline_write, name="offline_write"),
    path("<int:pk>/log/<int:sequence>/ret/", writes.log_correct, name="log_correct"),
    path("<int:pk>/trin/<int:step_pk>/", steps.step_detail, name="step"),
    path(
        "<int:pk>/trin/<int:step_pk>/<slug:action>/",
        steps.step_update,
        name="step_update",
    ),
    path("<int:pk>/tal/", writes.figures_add, name="figures"),
    path("<int:pk>/tal/api/", api.figures_api, name="figures_api"),
    path("<int:pk>/linjer/<int:line_pk>/", writes.phone_line_switch, name="phone_line"),
    path("<int:pk>/timere/<int:timer_pk>/", writes.timer_start, name="timer"),
]
