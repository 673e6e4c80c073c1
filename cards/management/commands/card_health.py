from django.core.management.base import BaseCommand, CommandError

from cards.health import ERROR, card_problems
from cards.models import ActionCard


class Command(BaseCommand):
    help = "Vis manglende eller forældede data på aktionskort. Afslutter med kode 1 ved fund."

    def add_arguments(self, parser):
        parser.add_argument("slug", nargs="?", help="Kun dette kort (kort navn, fx telefoni)")

    def handle(self, *args, slug=None, **options):
        cards = ActionCard.objects.all()
        if slug:
            cards = cards.filter(slug=slug)
            if not cards.exists():
                raise CommandError(f"Der findes intet aktionskort med det korte navn »{slug}«.")
        total = 0
        for card in cards:
            problems = card_problems(card)
            total += len(problems)
            for problem in problems:
                label = "FEJL" if problem.severity == ERROR else "ADVARSEL"
                self.stdout.write(f"{card.slug}: {label}: {problem.message} ({problem.admin_url})")
        if total:
            # A non-zero exit lets cron or CI notice; CommandError prints to stderr.
            raise CommandError(f"{total} problem(er) fundet.")
        self.stdout.write(self.style.SUCCESS("Ingen problemer fundet."))
