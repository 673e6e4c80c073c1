from celery import shared_task

from cards.models import CardVersion
from cards.pdf.services import card_version_render_all


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def card_bundle_render(version_id):
    """Render and store the printed card (bundle, then scenario cards) of a version.

    Idempotent: files already on disk are kept, so a redelivered task costs nothing.
    """
    version = CardVersion.objects.select_related("card").filter(pk=version_id).first()
    if version is None:  # deleted since it was published
        return
    card_version_render_all(version=version)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def card_static_copy_write(version_id):
    """Write the serverless HTML copy of a published version (cards/static_copy.py)."""
    from cards.static_copy import static_copy_write

    version = CardVersion.objects.select_related("card").filter(pk=version_id).first()
    if version is not None:
        static_copy_write(version=version)
