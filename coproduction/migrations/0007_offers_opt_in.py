"""Offers are opt-in: not listed unless their owner lists them.

The old default listed every offer, and nothing recorded whether an owner had chosen
"listed" or only left the default, so every existing offer becomes not listed; its owner
lists it again from "My contributions".
"""

from django.db import migrations, models


def unlist_existing_offers(apps, schema_editor):
    apps.get_model("coproduction", "Offer").objects.filter(visibility="listed").update(
        visibility="private"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("coproduction", "0006_evidence_private_storage"),
    ]

    operations = [
        migrations.AlterField(
            model_name="offer",
            name="visibility",
            field=models.CharField(
                choices=[
                    (
                        "listed",
                        "Staff and proposal authors may find me and write to me through "
                        "pbudget (they never see my e-mail address)",
                    ),
                    ("private", "Only me"),
                ],
                default="private",
                max_length=8,
                verbose_name="who may see this",
            ),
        ),
        migrations.RunPython(unlist_existing_offers, migrations.RunPython.noop),
    ]
