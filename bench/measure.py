"""Single measurements of `make bench`: first-load bytes, the unchanged poll through the
test client (status, bytes, queries, CPU), the unchanged poll's bytes on the wire.

The first load asks for every file as Debian's Chromium does (``Accept-Encoding: gzip,
deflate, br, zstd``; every browser we support asks for br) and counts what the server
sends for that: whitenoise serves its .br files, the pages come gzip'd by Django. The
gzip-only figure (what this measured before) is kept beside it for comparison.
"""

import gzip
import time
import urllib.parse
import zlib

# What Debian's Chromium sends; the budget is about what a real browser downloads.
BROWSER_ENCODINGS = "gzip, deflate, br, zstd"
GZIP_ONLY = "gzip"


def compressed_size(body: bytes, encoding: str) -> int:
    """Bytes on the wire when the server compressed; otherwise what gzip -6 gives (as a
    reverse proxy would), never more than the body itself (woff2 is compressed already)."""
    if encoding in ("gzip", "br", "deflate", "zstd"):
        return len(body)
    return min(len(body), len(gzip.compress(body, 6)))


def decoded(wire: bytes, encoding: str) -> bytes | None:
    """The body as sent before compression; None for an encoding this Python cannot read."""
    if encoding == "gzip":
        return gzip.decompress(wire)
    if encoding == "br":
        import brotli  # whitenoise[brotli]

        return brotli.decompress(wire)
    if encoding == "deflate":
        return zlib.decompress(wire)
    if encoding == "":
        return wire
    return None


def first_load(base: str, path: str, session_cookie: str, session_key: str) -> dict:
    import requests

    from bench.htmlscan import css_references, poll_url, scan

    http = requests.Session()
    http.cookies.set(session_cookie, session_key, domain="127.0.0.1")
    seen: dict[str, dict] = {}

    def get(url, accept):
        response = http.get(url, headers={"Accept-Encoding": accept}, stream=True, timeout=10)
        wire = response.raw.read(decode_content=False)
        encoding = response.headers.get("Content-Encoding", "")
        return response.status_code, wire, encoding

    def fetch(url, kind):
        if url in seen:
            return None
        status, wire, encoding = get(url, BROWSER_ENCODINGS)
        gzip_status, gzip_wire, gzip_encoding = get(url, GZIP_ONLY)
        body = decoded(gzip_wire, gzip_encoding)
        seen[url] = {
            "kind": kind,
            "status": status if status != 200 else gzip_status,
            "bytes": len(body),
            "compressed": compressed_size(wire, encoding),
            "encoding": encoding,
            "compressed_gzip": compressed_size(gzip_wire, gzip_encoding),
            "served_compressed": bool(encoding),
        }
        return body

    page_url = urllib.parse.urljoin(base, path)
    page = fetch(page_url, "html").decode()
    poll = poll_url(page)
    for kind, ref in scan(page).assets:
        url = urllib.parse.urljoin(page_url, ref)
        body = fetch(url, kind)
        if kind == "css" and body is not None:
            for nested in css_references(body.decode("utf-8", "replace"), url):
                if nested.startswith("data:"):
                    continue
                fetch(nested, "font" if ".woff" in nested or ".ttf" in nested else "other")
    budget = {k: v for k, v in seen.items() if v["kind"] in ("html", "css", "js", "font")}
    return {
        "accept_encoding": BROWSER_ENCODINGS,
        "total": sum(v["compressed"] for v in budget.values()),
        "total_gzip": sum(v["compressed_gzip"] for v in budget.values()),
        "html": seen[page_url]["compressed"],
        "html_gzip": seen[page_url]["compressed_gzip"],
        "files": {urllib.parse.urlsplit(k).path: v for k, v in seen.items()},
        "other_bytes": sum(v["compressed"] for k, v in seen.items() if k not in budget),
        "errors": [k for k, v in seen.items() if v["status"] != 200],
        "poll_url": poll["url"] if poll else None,
    }


def unchanged_poll(dashboard_path: str, user) -> dict:
    """Status, body bytes and queries of a poll that finds nothing new."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.htmlscan import poll_url

    client = Client()
    client.force_login(user)
    page = client.get(dashboard_path)
    poll = poll_url(page.text)
    if poll is None:
        return {"status": None, "bytes": None, "queries": None, "note": "no poll in the page"}
    headers = {"HX-Request": "true", "HX-Current-URL": dashboard_path}
    if poll["id"]:
        headers["HX-Trigger"] = poll["id"]
    with CaptureQueriesContext(connection) as queries:
        response = client.get(poll["url"], headers=headers)
    changed_url = poll["url"].split("?")[0] + "?rev=0.0"  # a token that never matches
    with CaptureQueriesContext(connection) as changed_queries:
        changed = client.get(changed_url, headers=headers)
    # Counted now: the log of queries does not survive the requests timed below.
    counted = len(queries.captured_queries), len(changed_queries.captured_queries)
    return {
        "status": response.status_code,
        "bytes": len(response.content),
        "queries": counted[0],
        "sql": [q["sql"] for q in queries.captured_queries],
        "url": poll["url"],
        # What one request costs this process, single-threaded: unlike latencies under
        # load, this does not depend on what else the machine is running.
        "unchanged_cpu_ms": cpu_ms(lambda: client.get(poll["url"], headers=headers)),
        "changed_status": changed.status_code,
        "changed_bytes": len(changed.content),
        "changed_queries": counted[1],
        "changed_cpu_ms": cpu_ms(lambda: client.get(changed_url, headers=headers)),
        "page_cpu_ms": cpu_ms(lambda: client.get(dashboard_path)),
    }


def cpu_ms(call, runs: int = 9) -> float:
    """Median CPU time of ``call`` in this process (PostgreSQL's share not included)."""
    times = []
    for _ in range(runs):
        started = time.process_time()
        call()
        times.append((time.process_time() - started) * 1000)
    return round(sorted(times)[runs // 2], 1)


def wire_bytes_of_poll(port: int, poll: str, session_cookie: str, session_key: str) -> int:
    """The whole unchanged-poll response as gunicorn sends it: status line, headers, body."""
    import asyncio

    from bench.httpclient import http

    response = asyncio.run(
        http(
            "127.0.0.1",
            port,
            "GET",
            poll,
            headers={"Cookie": f"{session_cookie}={session_key}", "HX-Request": "true"},
        )
    )
    return response.nbytes if response.status in (204, 304) else -response.status
