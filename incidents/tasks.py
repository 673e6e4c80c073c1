from celery import shared_task

from incidents.pdf.services import incident_document_render as document_render


@shared_task(acks_late=True)
def incident_document_render(document_id):
    """Render a requested report or archive package of a closed incident.

    Idempotent: the document's row is claimed first, so a redelivered task (acks_late:
    redelivered if the worker dies) or a second enqueue finds the render taken or done.
    A failure is stored on the row and shown on the download page, with a retry button;
    nothing retries on its own, so a broken render never loops.
    """
    document_render(document_id=document_id)
