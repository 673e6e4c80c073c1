"""Card health: is the printed card in the binder the published one?"""

from django.utils.translation import gettext as _

from cards.pdf.selectors import printed_version_number


def check_printed_pdf_is_current(card) -> list[dict]:
    """Problems (``{"severity", "message"}``) when the printed PDF lags the published card.

    Right after a publish this reports until the background render has written the
    new file, which is true: until then a download would render on demand.
    """
    latest = card.versions.order_by("-number").values_list("number", flat=True).first()
    if latest is None:
        return []
    printed = printed_version_number(card)
    if printed is None:
        message = _("Der er endnu ingen trykt PDF af kortet; version %(latest)s er udgivet.") % {
            "latest": latest
        }
    elif printed < latest:
        message = _("Den trykte PDF er version %(printed)s, men version %(latest)s er udgivet.") % {
            "printed": printed,
            "latest": latest,
        }
    else:
        return []
    return [{"severity": "warning", "message": message}]
