from django.db import migrations

from core.roles import COORDINATOR, EDITOR, STAFF, grant_permissions

CARD_MODELS = [
    "actioncard", "phoneline", "announcement", "externalcard", "messagetemplate", "scenario",
    "block", "scenarioblock", "step", "stepalternative", "scenariolink", "scenariotimer",
    "cardversion",
]  # fmt: skip
CONTACT_MODELS = ["organisation", "person", "supportline", "contactgroup", "contactgroupmember"]


def grant(apps, schema_editor):
    editor = [f"cards.{action}_{m}" for m in CARD_MODELS for action in ("add", "change", "delete", "view")]
    editor += [f"contacts.{action}_{m}" for m in CONTACT_MODELS for action in ("add", "change", "delete", "view")]
    editor.append("cards.publish_actioncard")
    reader = [f"cards.view_{m}" for m in CARD_MODELS] + [f"contacts.view_{m}" for m in CONTACT_MODELS]
    grant_permissions(apps, {EDITOR: editor, COORDINATOR: reader, STAFF: reader})


class Migration(migrations.Migration):
    dependencies = [
        ("cards", "0001_initial"),
        ("contacts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
