from django.db import migrations

from core.roles import COORDINATOR, EDITOR, STAFF, grant_permissions

VIEW = [
    "incidents.view_incident", "incidents.view_incidentscenario", "incidents.view_logentry",
    "incidents.view_figurereport",
]  # fmt: skip


def grant(apps, schema_editor):
    grant_permissions(
        apps,
        {
            COORDINATOR: VIEW
            + [
                "incidents.start_incident",
                "incidents.send_status_update",
                "incidents.work_incident",
            ],
            STAFF: [*VIEW, "incidents.work_incident"],
            EDITOR: VIEW,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial"), ("cards", "0002_roles")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
