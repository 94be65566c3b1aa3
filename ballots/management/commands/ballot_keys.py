"""Print a new key pair for the ballot box, as environment lines."""

from django.core.management.base import BaseCommand

from ballots.box import new_key_pair


class Command(BaseCommand):
    help = (
        "Make a key pair for the ballot box. Give PBUDGET_BALLOT_PUBLIC_KEY to every web "
        "process and PBUDGET_BALLOT_PRIVATE_KEY only to the Celery workers that mix ballots."
    )

    def handle(self, *args, **options):
        public, private = new_key_pair()
        self.stdout.write(f"PBUDGET_BALLOT_PUBLIC_KEY={public}")
        self.stdout.write(f"PBUDGET_BALLOT_PRIVATE_KEY={private}")
        self.stderr.write(
            "Keep the private key out of the database, its backups and the web hosts: "
            "whoever holds it can open ballots still sealed in the box."
        )
