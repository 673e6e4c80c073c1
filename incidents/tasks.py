import logging

from celery import shared_task

from incidents.models import Incident
from incidents.pdf.services import ensure_incident_report
from notifications.models import OutboxMessage

logger = logging.getLogger(__name__)

# The final status update is usually delivered within seconds of the close; look again a
# few times so that the stored report ends up with the final delivery states.
REPORT_RECHECK_SECONDS = 60
REPORT_RECHECKS = 30


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def incident_report_render(incident_id, recheck=0):
    """Render and store the report of a closed incident.

    Idempotent: a current file on disk is kept, so a redelivered task costs nothing.
    """
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None or incident.is_running:
        return
    ensure_incident_report(incident=incident)
    queued = OutboxMessage.objects.filter(
        update__incident=incident, status=OutboxMessage.Status.QUEUED
    ).exists()
    if queued and recheck < REPORT_RECHECKS:
        try:
            incident_report_render.apply_async(
                (incident_id, recheck + 1), countdown=REPORT_RECHECK_SECONDS
            )
        except Exception:
            # The next download renders a report with the final states instead.
            logger.exception("Kunne ikke planlægge ny rapport for hændelse %s", incident_id)
