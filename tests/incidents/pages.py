"""Where the incident pages are, for the view tests."""

from django.urls import reverse

HX = {"HTTP_HX_REQUEST": "true"}


def dash(incident):
    return reverse("incidents:dashboard", args=[incident.pk])


def step_url(step, action):
    return reverse("incidents:step_update", args=[step.incident_id, step.pk, action])


def first_task(incident, kind="action"):
    return incident.steps.filter(kind=kind).order_by("order").first()


def log_url(incident):
    return reverse("incidents:log_write", args=[incident.pk])


# The figures form as a person types it (waits as min:sec).
FIGURES = {
    "agents_on_duty": "12",
    "agents_available": "4",
    "calls_in_queue": "17",
    "longest_wait_seconds": "3:30",
    "average_wait_seconds": "1:15",
}


def timer_post(client, incident, started_at):
    """Set the start of the incident's one timer through its form."""
    timer = incident.timers.get()
    return client.post(
        reverse("incidents:timer", args=[incident.pk, timer.pk]), {"started_at": started_at}
    )
