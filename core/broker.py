"""The Redis broker transport: kombu's, with one fix that keeps a worker alive when Redis goes.

Celery 5.7 (consumer.on_connection_error_after_connected) first collects the lost connection,
which detaches the transport (``connection.client = None``), then closes it. If the worker was
waiting on Redis for its next task while it held an unacknowledged one, that close reaches
``restore_unacked``, which builds a new connection pool from the detached transport and fails
with ``AttributeError: 'NoneType' object has no attribute 'hostname'`` — "Unrecoverable error",
and the worker exits. Here a detached channel says what it is, a connection error, which every
caller of close and ack already ignores; the unacknowledged message stays in Redis's unacked
index and is delivered again after the visibility timeout (our tasks are idempotent).
tests/faults/test_worker_redis_loss.py shows the crash without this and the worker working after.
"""

import redis
from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous=False):
        if self.connection.client is None:
            raise redis.ConnectionError("the broker connection was closed after Redis was lost")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel
