from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cards.selectors import published_version
from cards.static_copy import static_copy_html, static_copy_write


class Command(BaseCommand):
    help = (
        "Skriv en selvstændig HTML-kopi (uden server, uden JavaScript) af det udgivne "
        "aktionskort med kontakter, version og udgivelsesdato."
    )

    def add_arguments(self, parser):
        parser.add_argument("--card", default="telefoni", help="Kortets slug (standard: telefoni)")
        parser.add_argument("--output", "-o", type=Path, help="Fil at skrive kopien til")

    def handle(self, *args, card, output, **options):
        version = published_version(card_slug=card)
        if version is None:
            raise CommandError(f"Kortet »{card}« findes ikke eller er ikke udgivet.")
        if output is None:
            path = static_copy_write(version=version)
        else:
            output.write_text(static_copy_html(version=version), encoding="utf-8")
            path = output
        self.stdout.write(f"Skrev {path} (version {version.number}, {path.stat().st_size} bytes)")
