import yaml
from django.core.management.base import BaseCommand, CommandError

from cards.models import ActionCard
from cards.serialization import card_to_data


def card_yaml(card: ActionCard) -> str:
    """The card file as text. Fixed options, so the same card always gives the same bytes."""
    return yaml.safe_dump(card_to_data(card), sort_keys=False, allow_unicode=True, width=4096)


class Command(BaseCommand):
    help = "Skriv et aktionskort som YAML på standard-output (samme format som import_card læser)."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Kortets korte navn, fx telefoni")

    def handle(self, *args, slug, **options):
        try:
            card = ActionCard.objects.get(slug=slug)
        except ActionCard.DoesNotExist as exc:
            message = f"Der findes intet aktionskort med det korte navn »{slug}«."
            raise CommandError(message) from exc
        self.stdout.write(card_yaml(card), ending="")
