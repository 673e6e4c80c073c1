from django.urls import path

from incidents import views
from incidents.pdf import views as pdf_views

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="list"),
    path("start/", views.start, name="start"),
    path("skaerm/", views.wall, name="wall"),
    path("<int:pk>/", views.dashboard, name="dashboard"),
    path("<int:pk>/scenarie/", views.escalate, name="escalate"),
    path("<int:pk>/afslut/", views.close, name="close"),
    path("<int:pk>/log/", views.log_full, name="log"),
    path("<int:pk>/rapport.pdf", pdf_views.incident_report_download, name="report"),
    path("<int:pk>/log/skriv/", views.log_write, name="log_write"),
    path("<int:pk>/log/<int:sequence>/ret/", views.log_correct, name="log_correct"),
    path("<int:pk>/trin/<int:step_pk>/", views.step_detail, name="step"),
    path(
        "<int:pk>/trin/<int:step_pk>/<slug:action>/",
        views.step_update,
        name="step_update",
    ),
    path("<int:pk>/tal/", views.figures_add, name="figures"),
    path("<int:pk>/tal/api/", views.figures_api, name="figures_api"),
    path("<int:pk>/linjer/<int:line_pk>/", views.phone_line_switch, name="phone_line"),
    path("<int:pk>/timere/<int:timer_pk>/", views.timer_start, name="timer"),
]
