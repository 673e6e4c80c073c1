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
