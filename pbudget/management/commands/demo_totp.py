"""Print the current authenticator code of a demo staff account."""

import time

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.core.management.base import BaseCommand, CommandError

from pbudget.demo import DEMO_DOMAIN


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo account (only @%s addresses)." % DEMO_DOMAIN

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        if not email.endswith("@" + DEMO_DOMAIN):
            raise CommandError("Only demo accounts (…@%s) have codes printed." % DEMO_DOMAIN)
        authenticator = Authenticator.objects.filter(
            user__email=email, type=Authenticator.Type.TOTP
        ).first()
        if authenticator is None:
            raise CommandError(f"{email} has no authenticator.")
        secret = decrypt(authenticator.data["secret"])
        self.stdout.write(format_hotp_value(hotp_value(secret, int(time.time()) // 30)))
