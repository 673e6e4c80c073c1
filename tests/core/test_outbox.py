"""The shared outbox loop's arithmetic; its behaviour is tested through the three apps that
use it (tests/notifications/test_delivery_steps.py, tests/alerts, tests/sso, tests/faults)."""

from core.outbox import MAX_RETRY_DELAY_SECONDS, retry_delay


def test_the_backoff_doubles_and_is_capped():
    assert [retry_delay(n, base=5) for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert retry_delay(20, base=5) == MAX_RETRY_DELAY_SECONDS == 600


def test_the_emergency_notices_keep_their_backoff_of_five_seconds_times_two_to_the_attempts():
    from sso.services import NOTICE_MAX_ATTEMPTS, NOTICE_RETRY_BASE_SECONDS

    for attempts in range(1, NOTICE_MAX_ATTEMPTS + 1):
        assert retry_delay(attempts, base=NOTICE_RETRY_BASE_SECONDS) == 5 * 2**attempts
