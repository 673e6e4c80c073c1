"""A status update as a Microsoft Teams message: an Adaptive Card for a Workflows webhook.

Teams' "Post to a channel when a webhook request is received" workflow expects a message
whose ``attachments`` hold Adaptive Cards (contentType
``application/vnd.microsoft.card.adaptive``); it answers 202 Accepted. The card is built
once, when the update is created (``StatusUpdate.teams_card``), always in Danish, and uses
only Adaptive Card 1.4 elements (TextBlock, FactSet, Action.OpenUrl), which Teams renders
on desktop and mobile.
"""

import re

from django.utils import translation

CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.4"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
# Bounds for free text, so a card stays far below Teams' 28 KB.
TEXT_MAX = 300
TITLE_MAX = 200
MAX_TIMERS = 10

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# TextBlock and Fact values are Markdown in Teams (bold, italic, links, lists): a typed
# "[klik](https://…)" or "**" must show as the characters typed, never as a link or
# formatting. Text is one line here, so a list can only start at its beginning.
MARKDOWN_INLINE = re.compile(r"([\\*_\[\]`~])")
MARKDOWN_LINE_START = re.compile(r"^([-+#>]|\d+\.)")


def as_text(value, limit: int = TEXT_MAX) -> str:
    text = CONTROL.sub(" ", str(value)).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    text = MARKDOWN_INLINE.sub(r"\\\1", text)
    return MARKDOWN_LINE_START.sub(r"\\\1", text)


def _figures_facts(figures) -> list[dict]:
    if not figures:
        return [{"title": "Bemanding og ventetid", "value": "Ingen tal endnu"}]
    return [
        {
            "title": "Bemanding",
            "value": f"{figures['agents_available']} af {figures['agents_on_duty']} ledige",
        },
        {"title": "Opkald i kø", "value": str(figures["calls_in_queue"])},
        {"title": "Længste ventetid", "value": figures["longest_wait"]},
        {"title": "Gns. ventetid", "value": figures["average_wait"]},
        {
            "title": "Tal fra",
            "value": f"kl. {figures['reported_time']} ({figures['age']} gamle)",
        },
    ]


def teams_card_render(ctx: dict, *, next_update_time: str = "") -> dict:
    """The Adaptive Card (the attachment's ``content``) for a rendered update's context."""
    with translation.override("da"):
        s = ctx["s"]
        heading = (
            "Sidste statusopdatering – hændelsen er afsluttet"
            if ctx["is_final"]
            else f"Statusopdatering kl. {ctx['now_time']}"
        )
        body = []
        if s["is_exercise"]:
            body.append(
                {"type": "TextBlock", "text": "ØVELSE – dette er en øvelse", "wrap": True,
                 "weight": "Bolder", "color": "Attention"}
            )  # fmt: skip
        body += [
            {"type": "TextBlock", "text": as_text(heading), "wrap": True, "size": "Large",
             "weight": "Bolder"},
            {"type": "TextBlock", "text": as_text(s["title"], TITLE_MAX), "wrap": True,
             "size": "Medium"},
            {"type": "TextBlock", "text": f"Anledning: {as_text(ctx['reason_label'])}",
             "wrap": True, "isSubtle": True, "spacing": "None"},
        ]  # fmt: skip
        facts = [
            {"title": "Hændelse", "value": as_text(s["title"], TITLE_MAX)},
            {"title": "Scenarie", "value": as_text(ctx["scenarios"])},
            {
                "title": "Startet",
                "value": f"kl. {ctx['started_time']} (varighed {ctx['elapsed']})",
            },
            *_figures_facts(ctx["figures"]),
            {"title": "Åbne trin", "value": str(len(s["open_steps"]))},
        ]
        for timer in ctx["timers"][:MAX_TIMERS]:
            state = "overskredet" if timer.get("overdue") else f"til kl. {timer['ends_time']}"
            facts.append({"title": as_text(timer["name"], 60), "value": state})
        if ctx["is_final"]:
            next_update = "Ingen – hændelsen er afsluttet"
        elif next_update_time:
            next_update = f"kl. {next_update_time}"
        else:
            next_update = "Ikke planlagt"
        facts.append({"title": "Næste opdatering", "value": next_update})
        body.append({"type": "FactSet", "facts": facts, "spacing": "Medium"})
        return {
            "$schema": CARD_SCHEMA,
            "type": "AdaptiveCard",
            "version": CARD_VERSION,
            "lang": "da",
            "fallbackText": as_text(f"{heading}: {s['title']}"),
            "body": body,
            "actions": [{"type": "Action.OpenUrl", "title": "Åbn hændelsen", "url": s["url"]}],
        }


def teams_fallback_card(*, subject: str, text: str, url: str = "") -> dict:
    """For an update created before cards were stored: its subject and text."""
    card = {
        "$schema": CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "lang": "da",
        "body": [
            {"type": "TextBlock", "text": as_text(subject), "wrap": True, "weight": "Bolder",
             "size": "Medium"},
            {"type": "TextBlock", "text": as_text(text, 3000), "wrap": True},
        ],
    }  # fmt: skip
    if url:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Åbn hændelsen", "url": url}]
    return card


def teams_message(card: dict) -> dict:
    """The JSON a Teams Workflows webhook takes: a message with the card attached."""
    return {
        "type": "message",
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "contentUrl": None, "content": card}],
    }
