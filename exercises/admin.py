from django.contrib import admin

from exercises.models import ExerciseRun, ExerciseScript, Inject, Participant


class InjectInline(admin.TabularInline):
    model = Inject
    extra = 0


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0


@admin.register(ExerciseScript)
class ExerciseScriptAdmin(admin.ModelAdmin):
    list_display = ("title", "card", "scenario_slug")
    inlines = [ParticipantInline, InjectInline]


@admin.register(ExerciseRun)
class ExerciseRunAdmin(admin.ModelAdmin):
    list_display = ("script", "incident", "started_at")
    readonly_fields = ("script", "incident", "started_at")
