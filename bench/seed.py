"""The benchmark's incident: the seed card with every scenario, 500 log entries and 200
figure reports, written through the incidents services as the app would write them.

Runs inside the orchestrator after ``django.setup()``.
"""

import datetime as dt
import random

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from core.roles import COORDINATOR, STAFF

LOG_ENTRIES = 500
FIGURE_REPORTS = 200
PASSWORD = "bench-adgangskode-4711"


def bench_user(username: str, role: str | None, *, superuser: bool = False):
    User = get_user_model()
    user, _ = User.objects.get_or_create(
        username=username, defaults={"first_name": username.replace("-", " ").title()}
    )
    user.set_password(PASSWORD)
    user.is_superuser = user.is_staff = superuser
    user.save()
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def session_for(user) -> str:
    """A logged-in session without a login request (300 password hashes would take
    longer than the load test)."""
    from importlib import import_module

    from django.conf import settings

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    # The password backend the settings name (with SSO set up it is sso.breakglass's): a
    # session naming a backend that is not configured is not logged in.
    store[BACKEND_SESSION_KEY] = next(
        b
        for b in settings.AUTHENTICATION_BACKENDS
        if b.rsplit(".", 1)[1].endswith("Backend") and "Axes" not in b
    )
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def _scenario_slugs(card) -> list[str]:
    return list(card.scenarios.order_by("order", "pk").values_list("slug", flat=True))


def create_incident(*, card, coordinator, writers):
    """Start from the first scenario, escalate with the six others, write the log and
    report figures: all through the incidents services, as the app writes them."""
    from incidents import services

    slugs = _scenario_slugs(card)
    rng = random.Random(4711)
    now = timezone.now()
    incident = services.incident_start(card=card, scenario_slug=slugs[0], user=coordinator)
    for slug in slugs[1:]:
        services.incident_scenario_add(incident=incident, scenario_slug=slug, user=coordinator)
    for n in range(1, LOG_ENTRIES + 1):
        author = writers[n % len(writers)]
        text = f"Logindlæg {n}: status fra {author.first_name} – kø og bemanding noteret."
        services.incident_log_write(incident=incident, text=text, author=author)
    for n in range(FIGURE_REPORTS):
        on_duty = rng.randint(10, 40)
        longest = rng.randint(30, 3600)
        services.figure_report_create(
            incident=incident,
            user=coordinator,
            reported_at=now - dt.timedelta(minutes=FIGURE_REPORTS - n),
            agents_on_duty=on_duty,
            agents_available=rng.randint(0, on_duty),
            calls_in_queue=rng.randint(0, 120),
            longest_wait_seconds=longest,
            average_wait_seconds=rng.randint(0, longest),
        )
    incident.refresh_from_db()
    return incident


def create_people(*, viewers: int, writers: int):
    """Bench users: viewers are Medarbejdere (one account per 10 viewers, a session each),
    writers Medarbejdere, plus a Koordinator who starts the incident."""
    coordinator = bench_user("bench-koordinator", COORDINATOR)
    writer_users = [bench_user(f"bench-skribent-{i}", STAFF) for i in range(writers)]
    viewer_users = [bench_user(f"bench-laeser-{i}", STAFF) for i in range(max(1, viewers // 10))]
    return coordinator, writer_users, viewer_users


def exercise_incident(*, title: str):
    """An exercise on the seed card's latest version whose default recipients are off:
    only the bench's made-up recipients get mail, not the card's crisis team."""
    from cards.selectors import published_version
    from incidents.models import Incident
    from notifications.services import recipients_ensure_defaults

    incident = Incident.objects.create(
        card_version=published_version(card_slug="telefoni"), title=title, is_exercise=True
    )
    recipients_ensure_defaults(incident=incident)
    incident.recipients.update(is_active=False)
    return incident
