"""Load the demo city (idempotent) and print the demo logins."""

from django.core.management.base import BaseCommand

from pbudget.demo import load_demo_data


class Command(BaseCommand):
    help = "Create the demo city, its cycles and a user for every role (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Do not print the logins.")

    def handle(self, *args, **options):
        result = load_demo_data()
        if options["quiet"]:
            return
        out = self.stdout
        out.write("")
        out.write("Demo logins (password for all: %s)" % result["password"])
        out.write("-" * 72)
        for login in result["logins"]:
            line = f"  {login['role']:<16} {login['email']}"
            if login["totp_secret"]:
                line += f"   authenticator secret {login['totp_secret']}"
            out.write(line)
        out.write("-" * 72)
        out.write(
            "Staff pages ask for an authenticator code: add the secret to an authenticator app,\n"
            "or print the current code with `.venv/bin/python manage.py demo_totp EMAIL`."
        )
        out.write("")
