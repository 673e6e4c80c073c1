"""Editing a card's draft in tests the way the app does: through `card_draft_change`."""

from cards.services import card_draft_change


def step_text_set(*, step, text, user=None):
    """Change a step's text (validated, recorded for ``user``), as a proposed change does."""
    steps = list(step.block.steps.order_by("order", "pk"))
    return card_draft_change(
        card=step.block.card,
        target_type="step",
        target_key=f"{step.block.slug}/{steps.index(step)}",
        field="text",
        value=text,
        user=user,
    )
