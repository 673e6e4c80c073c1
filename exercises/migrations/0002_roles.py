from django.db import migrations

from core.roles import COORDINATOR, EDITOR, STAFF, grant_permissions

VIEW = [
    "exercises.view_exercisescript", "exercises.view_inject", "exercises.view_participant",
    "exercises.view_exerciserun", "exercises.view_evaluation", "exercises.view_finding",
    "exercises.view_proposedchange",
]  # fmt: skip


def grant(apps, schema_editor):
    grant_permissions(
        apps,
        {
            # Redaktør writes scripts and decides on proposed card changes.
            EDITOR: [
                *VIEW,
                "exercises.write_exercise_script",
                "exercises.decide_proposed_change",
                "exercises.add_exercisescript",
                "exercises.change_exercisescript",
                "exercises.delete_exercisescript",
            ],
            # Koordinator starts exercises from a script and writes the evaluation.
            COORDINATOR: [*VIEW, "exercises.run_exercise"],
            STAFF: VIEW,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("exercises", "0001_initial"), ("incidents", "0002_roles")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
