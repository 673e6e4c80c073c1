"""What the benchmark reads out of the app's HTML, the way a browser would find it."""

import html
import re
from html.parser import HTMLParser
from urllib.parse import urljoin

CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")
CSRF_HEADER = re.compile(r'"X-CSRFToken":\s*"([^"]+)"')


class _Scanner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.assets: list[tuple[str, str]] = []
        self.polls: list[dict] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        # (kind, url): "css"/"js" count towards the first-load budget, "other" (icons,
        # images) is reported beside it.
        if tag == "link" and a.get("href"):
            rel = set(a.get("rel", "").lower().split())
            if "stylesheet" in rel:
                self.assets.append(("css", a["href"]))
            elif "modulepreload" in rel:
                self.assets.append(("js", a["href"]))
            elif rel & {"icon", "preload"}:
                self.assets.append(("other", a["href"]))
        elif tag == "script" and a.get("src"):
            self.assets.append(("js", a["src"]))
        elif tag in ("img", "use") and not (a.get("src") or a.get("href", "")).startswith(
            ("data:", "#")
        ):
            url = a.get("src") or a.get("href")
            if url:
                self.assets.append(("other", url.split("#")[0]))
        if "hx-get" in a and "hx-trigger" in a and "every" in a["hx-trigger"]:
            self.polls.append(
                {"url": a["hx-get"], "id": a.get("id", ""), "trigger": a["hx-trigger"]}
            )
        if tag == "form":
            self._form = {
                "action": a.get("action", ""),
                "method": a.get("method", "get").lower(),
                "fields": {},
                "buttons": [],
            }
            self.forms.append(self._form)
        elif self._form is not None:
            name = a.get("name")
            if tag == "input" and name:
                kind = a.get("type", "text").lower()
                if kind in ("checkbox", "radio") and "checked" not in a:
                    self._form["fields"].setdefault(name, None)
                elif kind == "submit":
                    self._form["buttons"].append((name, a.get("value", "")))
                else:
                    self._form["fields"][name] = a.get("value", "")
            elif tag == "textarea" and name:
                self._form["fields"][name] = ""
                self._textarea = name
            elif tag == "select" and name:
                self._form["fields"][name] = None
                self._select = name
            elif tag == "option" and getattr(self, "_select", None):
                current = self._form["fields"].get(self._select)
                if current is None or "selected" in a:
                    self._form["fields"][self._select] = a.get("value", "")
            elif tag == "button" and name:
                self._form["buttons"].append((name, a.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def scan(page: str) -> _Scanner:
    scanner = _Scanner()
    scanner.feed(page)
    scanner.close()
    return scanner


def poll_url(page: str) -> dict | None:
    """The first self-refreshing element (htmx ``hx-trigger="every …"``) of the page."""
    polls = scan(page).polls
    return polls[0] if polls else None


def csrf_token(page: str) -> str | None:
    match = CSRF_HEADER.search(html.unescape(page))
    return match.group(1) if match else None


def css_references(css: str, base: str) -> list[str]:
    return [urljoin(base, m.group(1) or m.group(2)) for m in CSS_URL.finditer(css)]
