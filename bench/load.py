"""The load generator of `make bench`: viewers polling the dashboard, writers changing it.

Runs in its own process (``python -m bench.load plan.json``), apart from gunicorn, on
plain asyncio sockets (``bench/httpclient.py``): one Python thread can keep thousands
of viewers on schedule with little CPU, which matters on a 2-core machine where the
server needs the rest. The polls share a few kept-alive connections, as behind a
reverse proxy (``plan["poll_connections"]``, 0: a new connection per poll).

Each viewer behaves like the dashboard in a browser: it loads the page once, then
every 5 s sends the htmx poll the page carries (``hx-get`` with the revision token and
``HX-Request: true``); a 200 brings a new token, a 204 means nothing changed, a 286
that the incident closed. Writers post the dashboard's own forms (log entry, step
ticks) with the CSRF token of their session, as htmx would.

Prints one JSON object with the counts and latencies to stdout.
"""

import asyncio
import gzip
import html
import json
import math
import os
import random
import re
import sys
import time
from collections import Counter
from urllib.parse import urlencode

from bench.htmlscan import csrf_token, poll_url, scan
from bench.httpclient import Pool, http

STOP_POLLING = 286
POLL_URL = re.compile(rb'hx-get="([^"]*[?&]rev=[^"]*)"')
STEP_ID = re.compile(r'<li id="step-(\d+)"')


class Stats:
    def __init__(self):
        self.latencies: dict[str, list[float]] = {}
        self.statuses: dict[str, Counter] = {}
        self.errors: list[str] = []
        self.actions: Counter = Counter()
        self.measuring = False
        # Body bytes (gzip -6, as the GZipMiddleware or a proxy sends them) of each measured
        # 200 poll, polls that were told to back off, and polls the schedule offered.
        self.changed_poll_bytes: list[int] = []
        self.retry_after = 0
        self.offered_polls = 0

    def record(self, kind, started, status=None, error=None):
        if not self.measuring:
            kind = f"warmup_{kind}"
        self.latencies.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
        self.statuses.setdefault(kind, Counter())[str(status or "exception")] += 1
        if error:
            self.errors.append(f"{kind}: {error}")


def percentile(values, q):
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered), math.ceil(q / 100 * len(ordered))) - 1)  # nearest rank
    return round(ordered[rank], 1)


class User:
    """One browser: its cookies and the page it shows."""

    def __init__(self, plan, session_key):
        self.plan = plan
        self.cookies = {plan["session_cookie"]: session_key}

    def headers(self, **extra):
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {"Cookie": cookie, "Accept-Encoding": "identity", **extra}

    def take_cookies(self, response):
        for header in response.headers.get("set-cookie", []):
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]

    async def get(self, path, pool=None, **headers):
        if pool is not None:
            response = await pool.request("GET", path, headers=self.headers(**headers))
        else:
            response = await http(
                self.plan["host"], self.plan["port"], "GET", path, headers=self.headers(**headers)
            )
        self.take_cookies(response)
        return response

    async def post(self, path, fields, **headers):
        body = urlencode(fields).encode()
        response = await http(
            self.plan["host"],
            self.plan["port"],
            "POST",
            path,
            body=body,
            headers=self.headers(
                **{"Content-Type": "application/x-www-form-urlencoded"}, **headers
            ),
        )
        self.take_cookies(response)
        return response


def htmx_headers(page_url, element_id):
    headers = {"HX-Request": "true", "HX-Current-URL": page_url}
    if element_id:
        headers["HX-Trigger"] = element_id
    return headers


async def viewer(plan, stats, session_key, t_measure, t_end, pool=None):
    user = User(plan, session_key)
    page_url = plan["dashboard_path"]
    interval = plan["poll_seconds"]
    if plan.get("initial_poll"):
        # Capacity sweep: thousands of viewers start from a page already loaded (the
        # token of one page load) instead of 3,000 page renders in the warm-up.
        poll = dict(plan["initial_poll"])
        await asyncio.sleep(random.uniform(0, interval))
    else:
        await asyncio.sleep(random.uniform(0, max(0.0, t_measure - time.monotonic() - 1)))
        started = time.perf_counter()
        try:
            page = await user.get(page_url)
            poll = poll_url(page.text) if page.status == 200 else None
            stats.record("page", started, page.status, None if poll else f"no poll {page.status}")
        except Exception as exc:
            stats.record("page", started, error=repr(exc))
            return
    if poll is None:
        return
    next_at = max(time.monotonic(), t_measure - interval) + random.uniform(0, interval)
    while True:
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        if time.monotonic() >= t_end:
            return
        if stats.measuring:
            stats.offered_polls += 1
        started = time.perf_counter()
        wait = interval
        try:
            response = await user.get(poll["url"], pool, **htmx_headers(page_url, poll["id"]))
        except Exception as exc:
            stats.record("poll", started, error=repr(exc))
        else:
            ok = response.status in (200, 204, STOP_POLLING)
            stats.record("poll", started, response.status, None if ok else response.status)
            if response.status in (200, STOP_POLLING):
                # A regex, not the HTML parser: this process must stay cheap.
                fresh = POLL_URL.search(response.body)
                if fresh:
                    poll["url"] = html.unescape(fresh.group(1).decode())
                if stats.measuring and response.status == 200:
                    stats.changed_poll_bytes.append(len(gzip.compress(response.body, 6)))
            retry = response.headers.get("retry-after", [""])[0]
            if retry.isdigit():
                # As static/js/live.js does: pause for that long, plus jitter.
                if stats.measuring:
                    stats.retry_after += 1
                wait = int(retry) + random.uniform(0, 5)
            if response.status == STOP_POLLING:
                return
        next_at += wait


def _form_matching(forms, pattern):
    regex = re.compile(pattern)
    return [f for f in forms if f["method"] == "post" and regex.search(f["action"])]


def _fill(form, text):
    """The form as a browser submits it, with ``text`` in every empty free-text field."""
    fields = {}
    for name, value in form["fields"].items():
        if value is None:  # an unchecked box or an empty select
            continue
        fields[name] = value if value != "" else text
    if form["buttons"]:
        name, value = form["buttons"][0]
        fields[name] = value
    return fields


def _next_write(plan, forms_by_action, number, round_no):
    """(action, form, text): a step tick every other round, else a log entry."""
    forms = list(forms_by_action.values())
    ticks = [f for pattern in plan["step_forms"] for f in _form_matching(forms, pattern)]
    # Each writer keeps to its own steps, as people split the checklist.
    mine = [f for i, f in enumerate(ticks) if i % plan["writers"] == number] or ticks
    if round_no % 2 == 0 and mine:
        return "tick", random.choice(mine), ""
    logs = _form_matching(forms, plan["log_form"])
    text = f"Bench: skribent {number}, indlæg {round_no} <b>ikke fed</b>"
    return "log", logs[0] if logs else None, text


def _apply_answer(response, live, forms_by_action) -> None:
    """The htmx answer carries the changed fragments; like htmx's out-of-band swaps, they
    replace what the writer's page had (a ticked step loses its button)."""
    answer = response.text
    fresh = POLL_URL.search(response.body)
    if fresh:
        live["token"] = html.unescape(fresh.group(1).decode()).split("rev=", 1)[1]
    for step_id in STEP_ID.findall(answer):
        for action in [a for a in forms_by_action if f"/trin/{step_id}/" in a]:
            del forms_by_action[action]
    forms_by_action.update({f["action"]: f for f in scan(answer).forms})


async def writer(plan, stats, number, session_key, t_measure, t_end):
    """Alternates a log entry and a step tick; with no open step left, writes the log."""
    user = User(plan, session_key)
    page_url = plan["dashboard_path"]
    await asyncio.sleep(random.uniform(0, max(0.0, t_measure - time.monotonic() - 1)))
    started = time.perf_counter()
    try:
        page = await user.get(page_url)
        stats.record("page", started, page.status)
    except Exception as exc:
        stats.record("page", started, error=repr(exc))
        return
    page_html = page.text
    token = csrf_token(page_html)
    poll = poll_url(page_html)
    live = {"token": poll["url"].split("rev=", 1)[1] if poll and "rev=" in poll["url"] else ""}
    forms_by_action = {f["action"]: f for f in scan(page_html).forms}
    interval = plan["write_seconds"]
    next_at = t_measure + random.uniform(0, interval)
    round_no = 0
    while True:
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        next_at += interval
        if time.monotonic() >= t_end:
            return
        round_no += 1
        action, form, text = _next_write(plan, forms_by_action, number, round_no)
        if form is None:
            stats.record("write", time.perf_counter(), "no-form", "no log form in page")
            continue
        stats.actions[action] += 1
        started = time.perf_counter()
        try:
            response = await user.post(
                form["action"],
                _fill(form, text),
                **htmx_headers(page_url, ""),
                **({"X-CSRFToken": token} if token else {}),
                # As static/js/live.js does: the answer then brings only what changed.
                **({"X-Live-Token": live["token"]} if live["token"] else {}),
            )
        except Exception as exc:
            stats.record("write", started, error=repr(exc))
            continue
        # 409: someone else ticked the step first; the app says so, as designed.
        ok = response.status < 400 or response.status == 409
        stats.record("write", started, response.status, None if ok else response.status)
        if response.status in (200, 409):
            _apply_answer(response, live, forms_by_action)
        else:
            page_html = (await user.get(page_url)).text
            forms_by_action = {f["action"]: f for f in scan(page_html).forms}


async def main(plan):
    stats = Stats()
    now = time.monotonic()
    t_measure = now + plan["warmup_seconds"]
    t_end = t_measure + plan["seconds"]
    size = plan.get("poll_connections", 32)
    pool = Pool(plan["host"], plan["port"], size) if size else None
    tasks = [
        asyncio.create_task(viewer(plan, stats, key, t_measure, t_end, pool))
        for key in plan["viewer_sessions"]
    ]
    tasks += [
        asyncio.create_task(writer(plan, stats, i, key, t_measure, t_end))
        for i, key in enumerate(plan["writer_sessions"])
    ]

    async def start_measuring():
        await asyncio.sleep(max(0.0, t_measure - time.monotonic()))
        stats.measuring = True

    switch = asyncio.create_task(start_measuring())
    # Hard bound: whatever is still in flight a few seconds after the end is dropped.
    done, pending = await asyncio.wait(tasks, timeout=t_end - time.monotonic() + 15)
    for task in [*pending, switch]:
        task.cancel()
    for task in done:
        if task.exception():
            stats.errors.append(repr(task.exception()))
    return summarise(plan, stats)


def _share(counter, status):
    total = sum(counter.values())
    return round(counter.get(status, 0) / total, 3) if total else None


def summarise(plan, stats):
    polls = stats.latencies.get("poll", [])
    writes = stats.latencies.get("write", [])
    measured = {k: v for k, v in stats.latencies.items() if not k.startswith("warmup_")}
    requests = sum(len(v) for v in measured.values())
    errors = sum(1 for e in stats.errors if not e.startswith("warmup_"))
    return {
        "viewers": len(plan["viewer_sessions"]),
        "writers": len(plan["writer_sessions"]),
        "seconds": plan["seconds"],
        "requests": requests,
        "errors": errors,
        "rps": round(requests / plan["seconds"], 1),
        "poll_p50_ms": percentile(polls, 50),
        "poll_p95_ms": percentile(polls, 95),
        "poll_p99_ms": percentile(polls, 99),
        "poll_max_ms": percentile(polls, 100),
        "write_p50_ms": percentile(writes, 50),
        "write_p95_ms": percentile(writes, 95),
        "page_p95_ms": percentile(stats.latencies.get("warmup_page", []), 95),
        "statuses": {k: dict(v) for k, v in sorted(stats.statuses.items())},
        "offered_rps": round(
            (stats.offered_polls + sum(stats.actions.values())) / plan["seconds"], 1
        ),
        "nominal_rps": round(
            (len(plan["viewer_sessions"]) + len(plan["writer_sessions"])) / plan["poll_seconds"],
            1,
        ),
        "poll_204_share": _share(stats.statuses.get("poll", Counter()), "204"),
        "polls_told_to_back_off": stats.retry_after,
        "changed_poll_gzip_bytes_p50": percentile(stats.changed_poll_bytes, 50),
        "changed_poll_gzip_bytes_p95": percentile(stats.changed_poll_bytes, 95),
        "write_actions": dict(stats.actions),
        "generator_cpu_s": round(sum(os.times()[:2]), 1),
        # The generator's own CPU over all it sent (warm-up included): what it takes from
        # the server on a shared machine.
        "generator_cpu_ms_per_request": round(
            1000 * sum(os.times()[:2]) / max(1, sum(len(v) for v in stats.latencies.values())),
            2,
        ),
        "poll_connections": plan.get("poll_connections", 32),
        "warmup_errors": sum(1 for e in stats.errors if e.startswith("warmup_")),
        "error_samples": stats.errors[:10],
    }


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as fh:
        result = asyncio.run(main(json.load(fh)))
    print(json.dumps(result))
