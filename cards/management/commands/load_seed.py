from pathlib import Path

import yaml
from django.core.management.base import BaseCommand

from cards.models import ActionCard
from cards.services import card_import, card_publish

SEED = Path(__file__).resolve().parents[2] / "data" / "telefoni.yaml"


class Command(BaseCommand):
    help = "Load the Telefoni action card from cards/data/telefoni.yaml once, and publish it."

    def handle(self, *args, **options):
        data = yaml.safe_load(SEED.read_text(encoding="utf-8"))
        if ActionCard.objects.filter(slug=data["card"]["slug"]).exists():
            self.stdout.write("Aktionskortet er allerede indlæst; intet ændret.")
            return
        card = card_import(data=data)
        version = card_publish(card=card, note="Indlæst fra det trykte aktionskort")
        self.stdout.write(
            self.style.SUCCESS(
                f"{card.title}: {card.scenarios.count()} scenarier indlæst, "
                f"version {version.number} udgivet."
            )
        )
