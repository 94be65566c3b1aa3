"""Encrypt the authenticator secrets stored in clear before PBUDGET_MFA_KEY existed."""

from django.db import migrations

from pbudget.secretbox import SECRET_FIELDS, convert_authenticator_data


def convert(apps, *, encrypt):
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.filter(type__in=list(SECRET_FIELDS)).iterator():
        if convert_authenticator_data(authenticator.type, authenticator.data, encrypt=encrypt):
            authenticator.save(update_fields=["data"])


def encrypt_secrets(apps, schema_editor):
    convert(apps, encrypt=True)


def decrypt_secrets(apps, schema_editor):
    convert(apps, encrypt=False)


class Migration(migrations.Migration):
    dependencies = [
        ("pbudget", "0001_initial"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_secrets, decrypt_secrets)]
