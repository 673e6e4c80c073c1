from django.urls import include, path

from exercises import views

app_name = "exercises"

# One exercise script: /oevelser/<pk>/…
script_patterns = [
    path("", views.script_detail, name="script"),
    path("deltager/", views.participant_add, name="participant_add"),
    path("inject/", views.inject_add, name="inject_add"),
    path("start/", views.exercise_start, name="start"),
]

# The evaluation of one exercise's incident: /oevelser/evaluering/<incident_id>/…
evaluation_patterns = [
    path("", views.evaluation, name="evaluation"),
    path("gem/", views.evaluation_save, name="evaluation_save"),
    path("fund/", views.finding_add, name="finding_add"),
]

urlpatterns = [
    path("", views.script_list, name="scripts"),
    path("ny/", views.script_create, name="script_create"),
    path("<int:pk>/", include(script_patterns)),
    path("inject/<int:inject_pk>/slet/", views.inject_delete, name="inject_delete"),
    path("evaluering/<int:incident_id>/", include(evaluation_patterns)),
    path("fund/<int:finding_id>/forslag/", views.proposal_create, name="proposal_create"),
    path("forslag/", views.proposal_list, name="proposals"),
    path("forslag/<int:pk>/<slug:decision>/", views.proposal_decide, name="proposal_decide"),
    path("statistik/", views.statistics, name="statistics"),
]
