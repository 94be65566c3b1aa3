"""Load the skills taxonomy and the default general valuation rate."""

from datetime import date
from decimal import Decimal

from django.db import migrations


def load(apps, schema_editor):
    from coproduction.skills import GENERAL_RATE, SKILLS

    Skill = apps.get_model("coproduction", "Skill")
    ValuationRate = apps.get_model("coproduction", "ValuationRate")
    for position, (name, slug, code, title) in enumerate(SKILLS):
        Skill.objects.update_or_create(
            slug=slug,
            defaults={"name": name, "soc_code": code, "soc_title": title, "position": position},
        )
    rate = dict(GENERAL_RATE)
    rate["amount"] = Decimal(rate["amount"])
    rate["fringe_percent"] = Decimal(rate["fringe_percent"])
    rate["valid_from"] = date.fromisoformat(rate["valid_from"])
    if not ValuationRate.objects.filter(kind="general", publisher=rate["publisher"]).exists():
        ValuationRate.objects.create(**rate)


class Migration(migrations.Migration):
    dependencies = [("coproduction", "0002_append_only_ledger")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
