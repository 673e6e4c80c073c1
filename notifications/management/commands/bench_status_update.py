from django.core.management.base import BaseCommand

from notifications.bench import status_update_end_to_end_ms


class Command(BaseCommand):
    help = "End-to-end time (ms) of one status update to N recipients via SMTP and a worker."

    def add_arguments(self, parser):
        parser.add_argument("--recipients", type=int, default=200)

    def handle(self, *args, recipients, **options):
        ms = status_update_end_to_end_ms(recipients=recipients)
        self.stdout.write(f"status update to {recipients} recipients: {ms:.0f} ms")
