"""Reads of action cards for the staff pages."""

from django.db.models import Prefetch

from cards.models import ActionCard, Scenario


def card_list():
    return ActionCard.objects.prefetch_related(
        Prefetch("scenarios", queryset=Scenario.objects.order_by("order", "pk"))
    )
