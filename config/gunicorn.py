"""gunicorn settings for production and `make bench` (-c config/gunicorn.py).

Worker model (incidents/README.md, "Overload"): gthread workers, so a slow request (a PDF,
a page) does not hold a whole process and a burst of 5-second polls is served by threads
that mostly wait on PostgreSQL/Redis. Limits keep an overload short and visible instead
of an ever-growing queue: a bounded listen backlog, a bounded number of connections per
worker, request timeouts, and the wait of every request measured (core/loadshed.py) so
the dashboard answers polls that waited with a cheap 204 + Retry-After first.
Every value can be overridden with the GUNICORN_* environment variables below.
"""

import os

from core import loadshed

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Connections waiting in the kernel for accept(); beyond it clients get a refusal at once
# rather than a minute in a queue (the phones back off and retry).
backlog = int(os.environ.get("GUNICORN_BACKLOG", "256"))
# At most this many connections per worker (in service + waiting for a thread).
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "200"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then (memory of a long incident); jitter so they do not restart
# together. Not too often: at 200 polls/s a worker served 5,000 requests in 75 s, and each
# restart costs a second of CPU (imports, cold template and permission caches).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = 5000
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None


def post_worker_init(worker):
    loadshed.instrument(worker)
