import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from config.settings import env


class Command(BaseCommand):
    help = (
        "Make sure a first superuser exists. Credentials come from ADMIN_USERNAME / "
        "ADMIN_PASSWORD; without a password one is generated and printed once."
    )

    def handle(self, *args, **options):
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("Der findes allerede en administrator.")
            return
        username = env("ADMIN_USERNAME", default="admin")
        password = env("ADMIN_PASSWORD", default="") or secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(self.style.SUCCESS("Administrator oprettet:"))
        self.stdout.write(f"  brugernavn: {username}")
        if not env("ADMIN_PASSWORD", default=""):
            self.stdout.write(f"  adgangskode: {password}   (vises kun denne ene gang)")
