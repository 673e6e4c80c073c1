import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cards.pdf.documents import render_card_bundle, render_scenario_card
from cards.pdf.services import card_bundle_write
from cards.selectors import published_version
from cards.snapshots import CardSnapshot


class Command(BaseCommand):
    help = (
        "Skriv det trykte aktionskort (forside, indhold, alle scenarier, kontaktliste) som "
        "PDF. Uden --output gemmes det som versionens PDF, som download-linkene udleverer."
    )

    def add_base_argument(self, parser, *args, **kwargs):
        # `--version N` names the card version here, as ops expect, not Django's version.
        if "--version" in args:
            return
        super().add_base_argument(parser, *args, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("card", help="Kortets korte navn, fx telefoni")
        parser.add_argument("--version", type=int, dest="number", help="Versionsnummer")
        parser.add_argument("--output", "-o", type=Path, help="Fil at skrive PDF'en til")
        parser.add_argument("--scenario", help="Kun ét scenarie (dets korte navn)")

    def handle(self, *args, card, number, output, scenario, **options):
        version = published_version(card_slug=card, number=number)
        if version is None:
            if number is None or published_version(card_slug=card) is None:
                raise CommandError(f"Kortet »{card}« har ingen udgivet version.")
            raise CommandError(f"Kortet »{card}« har ingen version {number}.")
        if scenario and scenario not in CardSnapshot(version.snapshot).scenario_slugs():
            raise CommandError(f"Version {version.number} har intet scenarie »{scenario}«.")

        start = time.perf_counter()
        if output is None and not scenario:
            path = card_bundle_write(version=version)
        else:
            if output is None:
                output = Path(f"{card}-v{version.number}-{scenario}.pdf")
            data = (
                render_scenario_card(version=version, scenario_slug=scenario)
                if scenario
                else render_card_bundle(version=version)
            )
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_bytes(data)
            path = output
        elapsed = time.perf_counter() - start
        self.stdout.write(
            self.style.SUCCESS(
                f"{path}: {version.card.title}, version {version.number}, "
                f"{path.stat().st_size // 1024} kB, {elapsed:.1f} s."
            )
        )
