from django.urls import path

from exercises import views

app_name = "exercises"
urlpatterns = [
    path("", views.script_list, name="scripts"),
    path("ny/", views.script_create, name="script_create"),
    path("<int:pk>/", views.script_detail, name="script"),
    path("<int:pk>/deltager/", views.participant_add, name="participant_add"),
    path("<int:pk>/inject/", views.inject_add, name="inject_add"),
    path("<int:pk>/start/", views.exercise_start, name="start"),
    path("inject/<int:inject_pk>/slet/", views.inject_delete, name="inject_delete"),
    path("evaluering/<int:incident_id>/", views.evaluation, name="evaluation"),
    path("evaluering/<int:incident_id>/gem/", views.evaluation_save, name="evaluation_save"),
    path("evaluering/<int:incident_id>/fund/", views.finding_add, name="finding_add"),
    path("fund/<int:finding_id>/forslag/", views.proposal_create, name="proposal_create"),
    path("forslag/", views.proposal_list, name="proposals"),
    path("forslag/<int:pk>/<slug:decision>/", views.proposal_decide, name="proposal_decide"),
    path("statistik/", views.statistics, name="statistics"),
]
