"""The README table of `make bench` (bench/README.md, between the bench:figures markers)."""

from bench.run import README


def figures_table(results: dict) -> str:
    """The table between the markers, markers included."""
    from bench.live import readme_noise as live_noise
    from bench.live import readme_rows as live_rows

    m = results["machine"]
    load = results["load"] or {}

    def fmt(value, unit=""):
        return "–" if value is None else f"{value}{unit}"

    table = f"""<!-- bench:figures -->
Measured {results["measured_at"]} on {m["cores"]} cores ({m["cpu_model"]}), \
{m["memory_gb"]} GB RAM, Python {m["python"]}, PostgreSQL {m["postgres"]}, \
Redis {m["redis"]}; gunicorn with {results["gunicorn_workers"]} gthread workers \
× {results.get("gunicorn_threads")} threads (config/gunicorn.py).{live_noise(results)}

| What | Measured | Budget |
| --- | --- | --- |
| Dashboard first load, HTML + CSS + JS + fonts, compressed as Chromium asks \
(gzip, deflate, br, zstd); gzip only in brackets | \
{fmt(results["dashboard_first_load_bytes"], " B")} \
({fmt((results.get("dashboard_first_load_detail") or {}).get("total_gzip"), " B")} gzip) \
| ≤ 61,440 B (60 KB) |
| Unchanged poll: status / body bytes / queries | \
{fmt(results["poll_unchanged_status"])} / {fmt(results["poll_unchanged_bytes"], " B")} / \
{fmt(results["poll_unchanged_queries"])} | 204 or 304 / – / ≤ 2 |
| Load: {fmt(load.get("viewers"))} viewers polling every 5 s + {fmt(load.get("writers"))} \
writers, {fmt(load.get("seconds"), " s")} | {fmt(load.get("requests"))} requests, \
{fmt(load.get("rps"))} req/s, {fmt(load.get("errors"))} errors | 0 errors |
| Poll latency p50 / p95 / p99 | {fmt(load.get("poll_p50_ms"), " ms")} / \
{fmt(load.get("poll_p95_ms"), " ms")} / {fmt(load.get("poll_p99_ms"), " ms")} | p95 < 100 ms |
| CPU per request, single-threaded: unchanged poll / changed poll / page | \
{fmt(results.get("poll_unchanged_detail", {}).get("unchanged_cpu_ms"), " ms")} / \
{fmt(results.get("poll_unchanged_detail", {}).get("changed_cpu_ms"), " ms")} / \
{fmt(results.get("poll_unchanged_detail", {}).get("page_cpu_ms"), " ms")} | – |
| Write latency p95 (log entry, step tick) | {fmt(load.get("write_p95_ms"), " ms")} | – |
| Server CPU per request under load (gunicorn + PostgreSQL) | \
{fmt(load.get("server_cpu_ms_per_request"), " ms")} (generator: \
{fmt(load.get("generator_cpu_ms_per_request"), " ms")}) | ≤ 5 ms |
| Machine load average (1 min) before / after the load test | \
{" / ".join(map(str, load.get("machine_load_average") or [])) or "–"} | \
– (includes the bench's own load) |
| Dashboard first load on emulated slow 3G (Chromium) | \
{fmt(results["slow3g_first_load_ms"], " ms")} | < 3,000 ms |
| PDF bundle of the seed card: render / peak RSS | {fmt(results["pdf_bundle_ms"], " ms")} / \
{fmt(results["pdf_bundle_peak_rss_mb"], " MB")} | < 3,000 ms |
| Incident report, 3,000 log entries + 300 figure reports, in the worker: \
time / CPU / peak RSS | {fmt(results.get("report_3000_ms"), " ms")} / \
{fmt((results.get("report_detail") or {}).get("cpu_ms"), " ms")} / \
{fmt(results.get("report_3000_peak_rss_mb"), " MB")} | < 20,000 ms, < 300 MB |
| Status update to 200 recipients, end to end | {fmt(results["notify_200_ms"], " ms")} | – |
| Alert to 100 employees by SMS + e-mail, end to end | \
{fmt(results.get("alert_100_ms"), " ms")} | – |
| Delivery under 10 random kills: duplicates per 1,000 / recovery after a kill | \
{fmt(results.get("delivery_duplicates_per_1000"))} / \
{fmt(results.get("delivery_recovery_max_s"), " s")} | ≤ 1 / ≤ 15 s |
{live_rows(results)}
<!-- /bench:figures -->"""
    return table


def write_readme(results: dict) -> None:
    table = figures_table(results)
    text = README.read_text() if README.exists() else ""
    start, end = "<!-- bench:figures -->", "<!-- /bench:figures -->"
    if start in text and end in text:
        text = text[: text.index(start)] + table + text[text.index(end) + len(end) :]
    else:
        text += "\n" + table + "\n"
    README.write_text(text)
