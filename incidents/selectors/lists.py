"""The lists of incidents: running ones, and the closed ones a page at a time."""

from django.core.paginator import Paginator

from incidents.models import Incident


def running_incidents():
    return list(
        Incident.objects.filter(status=Incident.Status.RUNNING)
        .only("pk", "title", "is_exercise", "started_at", "status")
        .order_by("started_at")
    )


CLOSED_INCIDENTS_PAGE = 50


def incident_list(*, page=1) -> dict:
    """Running incidents (all: never hide one that is going on), then the closed ones a
    page at a time. Three queries however many incidents there are."""
    fields = ("pk", "title", "is_exercise", "status", "started_at", "closed_at")
    running = list(
        Incident.objects.filter(status=Incident.Status.RUNNING)
        .only(*fields)
        .order_by("-started_at")
    )
    closed = (
        Incident.objects.filter(status=Incident.Status.CLOSED)
        .only(*fields)
        .order_by("-started_at", "-pk")
    )
    return {"running": running, "closed": Paginator(closed, CLOSED_INCIDENTS_PAGE).get_page(page)}


def incident_get(*, pk: int) -> Incident:
    return Incident.objects.select_related("card_version", "started_by", "closed_by").get(pk=pk)
