"""First load of a page on emulated slow 3G, for `make bench` (issue 7: under 3 s).

Chromium (Debian's, through Playwright) logs in at full speed, then the page under test
is loaded with Chrome DevTools' network emulation: 400 kbit/s down and up, 400 ms round
trip. "First load": the HTTP cache is disabled and service workers are blocked, so every
byte of the page, its CSS, JS and fonts crosses the slow link — what a phone that never
opened the app gets.

    from tests.browser.bench_slow3g import slow3g_load_ms
    ms = slow3g_load_ms(base_url=production_server.url, path="/haendelser/1/",
                        username="…", password="…")

or from a shell, against any running server:

    .venv/bin/python -m tests.browser.bench_slow3g --base-url http://127.0.0.1:8000 \\
        --path /haendelser/1/ --username anne --password …

Measured is navigation start to the end of the load event (PerformanceNavigationTiming:
``loadEventEnd - startTime``), i.e. including every subresource the page waits for.
"""

import argparse
import json
import os
from dataclasses import asdict, dataclass

SLOW_3G = {
    "offline": False,
    "latency": 400,  # ms, added to every round trip
    "downloadThroughput": 400 * 1000 / 8,  # bytes/s
    "uploadThroughput": 400 * 1000 / 8,
}

NAVIGATION_TIMING = """(() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const resources = performance.getEntriesByType("resource");
  return {
    ms: nav.loadEventEnd - nav.startTime,
    dom_content_loaded_ms: nav.domContentLoadedEventEnd - nav.startTime,
    html_bytes: nav.transferSize,
    bytes: nav.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0),
    requests: 1 + resources.length,
  };
})()"""


@dataclass(frozen=True)
class Slow3GLoad:
    url: str
    ms: float
    dom_content_loaded_ms: float
    html_bytes: int
    bytes: int
    requests: int


def slow3g_load(
    *,
    base_url: str,
    path: str,
    username: str,
    password: str,
    login_path: str = "/login/",
    executable_path: str | None = None,
) -> Slow3GLoad:
    """Log in, then load ``path`` once under slow-3G emulation; timings and bytes."""
    from playwright.sync_api import sync_playwright

    # Imported here: the tests' modules need Django set up, which main() does first.
    from tests.browser.conftest import phone_context
    from tests.conftest import CHROMIUM, CHROMIUM_ARGS

    base_url = base_url.rstrip("/")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable_path or CHROMIUM, args=CHROMIUM_ARGS
        )
        try:
            # Playwright's defaults: a single-density screen, and 30 s for the slow link.
            context = phone_context(
                browser, device_scale_factor=1, service_workers="block", timeout_ms=30_000
            )
            page = context.new_page()
            page.goto(base_url + login_path)
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", password)
            with page.expect_navigation():
                page.press("input[name=password]", "Enter")
            if page.url.rstrip("/").endswith(login_path.rstrip("/")):
                raise RuntimeError(f"login as {username!r} failed at {base_url}")

            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            cdp.send("Network.emulateNetworkConditions", SLOW_3G)
            url = base_url + path
            response = page.goto(url, wait_until="load", timeout=60_000)
            if response is None or response.status != 200:
                status = response.status if response else "no response"
                raise RuntimeError(f"{url} answered {status}")
            timing = page.evaluate(NAVIGATION_TIMING)
        finally:
            browser.close()
    return Slow3GLoad(url=url, **timing)


def slow3g_load_ms(**kwargs) -> float:
    """The load time in ms of one first load under slow 3G (see ``slow3g_load``)."""
    return slow3g_load(**kwargs).ms


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--path", default="/")
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    for _ in range(args.runs):
        result = slow3g_load(
            base_url=args.base_url,
            path=args.path,
            username=args.username,
            password=args.password,
        )
        print(json.dumps(asdict(result)))


if __name__ == "__main__":
    main()
