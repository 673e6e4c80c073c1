from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cards.services import card_import, card_publish
from cards.validation import parse_card_yaml


class Command(BaseCommand):
    help = (
        "Indlæs et aktionskort fra en YAML-fil. Filen kontrolleres først; ved fejl ændres "
        "intet. Med --publish udgives en ny version."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="YAML-filen, fx x.yaml")
        parser.add_argument(
            "--publish", action="store_true", help="Udgiv en ny version efter indlæsningen"
        )
        parser.add_argument("--note", default="", help="Bemærkning til den udgivne version")

    def handle(self, *args, path, publish, note, **options):
        limit = settings.CARD_IMPORT_MAX_BYTES
        try:
            # Refused before it is read: a huge file must not be loaded to be refused.
            size = Path(path).stat().st_size
            if size > limit:
                raise CommandError(
                    f"{path}: filen fylder {size:,} byte; højst {limit:,} byte er tilladt. "
                    "Intet er ændret i databasen."
                )
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Kan ikke læse {path}: {exc}") from exc
        data, problems = parse_card_yaml(text)
        if problems:
            for problem in problems:
                self.stderr.write(problem.format(path))
            raise CommandError(
                f"{path} blev afvist: {len(problems)} fejl. Intet er ændret i databasen."
            )
        # Import and publish together: a half-done run must not leave a draft behind.
        with transaction.atomic():
            card = card_import(data=data)
            version = None
            if publish:
                version = card_publish(card=card, note=note or f"Indlæst fra {path}")
        message = f"{card.title}: {card.scenarios.count()} scenarier indlæst"
        if version:
            message += f", version {version.number} udgivet"
        else:
            message += " (ikke udgivet; brug --publish)"
        self.stdout.write(self.style.SUCCESS(message + "."))
