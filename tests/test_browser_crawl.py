"""In real headless Chromium at 1280×800, as each demo role: every entry of the main navigation
(dropdown entries included) and the pages one level below it load without a console error
(a script blocked by the Content-Security-Policy is one), a failed request, an HTTP status of
400 or more for the page or any of its resources, or a page wider than the window.

The demo is seeded once for the module (small: 35 days at scale 0.02) and served by a live server
of its own; the pages are only read (GET), so the roles can share it. Links below a navigation
page are taken from its main content, same origin only, one per URL pattern for the whole role
(so the interaction list is not visited once per filter), at most PER_PAGE per page, and never
downloads, the Django admin, the API or signing out. A screenshot of every visited page goes to
$SCREENSHOT_DIR (default artifacts/screenshots) as <role>-<path>.png (the top 3,000 px of the
longest pages).
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import Resolver404, resolve

from tests.conftest import ROOT

# Each test runs in a transaction rolled back afterwards (sessions of the sign-ins); the seeded
# demo below it was committed once by the module fixture. The mark also makes pytest-django
# create the test database when this file runs alone.
pytestmark = [pytest.mark.browser, pytest.mark.django_db, pytest.mark.xdist_group("browser_crawl")]

ROLES = ["admin", "ops", "ops.acme", "tl.north", "qa", "agent", "client.acme"]
NAV_LINKS = 'nav[aria-label="Main"] a.nav-link[href], nav[aria-label="Main"] a.dropdown-item[href]'
CONTENT_LINKS = "main a[href]"
PER_PAGE = 6
VIEWPORT = {"width": 1280, "height": 800}
SHOT_MAX_HEIGHT = 3000
SKIP_PREFIXES = ("/admin/", "/api/v1/", "/api/schema/", "/logout/", "/static/", "/media/", "/healthz")
DOWNLOAD_SUFFIXES = (".csv", ".xlsx", ".pdf", ".zip", ".json")
DOWNLOAD_QUERY = re.compile(r"(^|&)(format|export|download)=", re.I)

# Pages that fail for a reason owned elsewhere: (role, path) → reason. Each is also checked on
# its own below as a strict xfail, so a fix shows up as XPASS and the entry must be removed.
KNOWN_DEFECTS: dict[tuple[str, str], str] = {}


@dataclass
class Visit:
    url: str
    problems: list[str] = field(default_factory=list)
    final: str = ""  # where it ended after redirects

    @property
    def path(self) -> str:
        return urlsplit(self.url).path


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker):
    """The small demo in the test database and a live server over it, for the whole module;
    the database is emptied again afterwards for the tests that follow."""
    from django.core.cache import cache
    from django.db import connection
    from pytest_django.live_server_helper import LiveServer

    hashers = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), hashers:
        name = str(connection.settings_dict["NAME"])
        assert "memory" in name or os.path.basename(name).startswith("test_"), f"not a test database: {name}"
        call_command("seed_demo", "--days", "35", "--scale", "0.02", "--quiet-logins", stdout=io.StringIO())
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            yield server
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
            call_command("flush", interactive=False, verbosity=0)
            cache.clear()


def _shots_folder():
    folder = ROOT / os.environ.get("SCREENSHOT_DIR", "artifacts/screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _shot_name(role: str, url: str) -> str:
    parts = urlsplit(url)
    slug = parts.path.strip("/").replace("/", "-") or "home"
    if parts.query:
        slug += "-" + parts.query
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", slug)[:120]
    return f"{role}-{slug}.png"


def _pattern(path: str) -> str | None:
    """The URL pattern a path resolves to (its view and route), or None outside the portal."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return f"{match.view_name}:{match.route}"


def _followable(base: str, href: str) -> str | None:
    """The same-origin portal page an href leads to (path and query), or None to leave it."""
    parts = urlsplit(href)
    if parts.scheme not in ("http", "https") or f"{parts.scheme}://{parts.netloc}" != base:
        return None
    if parts.path.startswith(SKIP_PREFIXES) or parts.path.lower().endswith(DOWNLOAD_SUFFIXES):
        return None
    if DOWNLOAD_QUERY.search(parts.query):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


class Crawler:
    """One signed-in browser context; `visit(url)` loads a page and lists what went wrong."""

    def __init__(self, browser, base: str, role: str):
        self.base = base
        self.role = role
        self.context = browser.new_context(viewport=VIEWPORT)
        self.page = self.context.new_page()
        self.current: Visit | None = None
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self._problem(f"uncaught script error: {error}"))
        self.page.on("requestfailed", self._failed)
        self.page.on("response", self._response)
        self.inflight = 0
        self.page.on("request", self._started)
        self.page.on("requestfinished", self._ended)
        self.folder = _shots_folder()

    def _problem(self, text: str):
        if self.current is not None:
            self.current.problems.append(text)

    def _console(self, message):
        if message.type == "error":
            self._problem(f"console error: {message.text}")

    def _started(self, request):
        self.inflight += 1

    def _ended(self, request):
        self.inflight -= 1

    def _failed(self, request):
        self.inflight -= 1
        self._problem(f"request failed: {request.method} {request.url} ({request.failure})")

    def _settle(self, timeout_ms: int = 10_000):
        """Wait until the requests the page started after loading (htmx partials, charts) are
        answered: a cheaper "network idle" than Playwright's fixed half second of silence."""
        quiet = 0
        for _ in range(timeout_ms // 50):
            quiet = quiet + 1 if self.inflight <= 0 else 0
            if quiet >= 2:
                return
            self.page.wait_for_timeout(50)
        self._problem(f"still {self.inflight} request(s) pending {timeout_ms / 1000:.0f} s after load")

    def _response(self, response):
        if response.status >= 400:
            self._problem(f"HTTP {response.status}: {response.request.method} {response.url}")

    def sign_in(self):
        from accounts.demo import DEMO_PASSWORD

        page = self.page
        page.goto(f"{self.base}/login/")
        page.get_by_label("Username").fill(self.role)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{self.base}/")

    def visit(self, url: str) -> Visit:
        visit = self.current = Visit(url)
        try:
            self.inflight = 0
            self.page.goto(self.base + url, wait_until="load")
            self._settle()
            visit.final = _followable(self.base, self.page.url) or self.page.url
        except Exception as exc:  # a download or a crashed navigation: say which page
            visit.problems.append(f"navigation failed: {exc}".splitlines()[0])
            self.current = None
            return visit
        if urlsplit(self.page.url).path.startswith("/login/"):
            visit.problems.append(f"sent to the sign-in page ({self.page.url})")
        # An inline handler is blocked by the CSP only when its event fires; find them in the DOM.
        inline = self.page.evaluate(
            """() => {
                const found = [];
                for (const el of document.querySelectorAll("*")) {
                    for (const attr of el.attributes) {
                        const name = attr.name.toLowerCase();
                        if (name.startsWith("on") || (["href", "src", "action"].includes(name)
                                && attr.value.trim().toLowerCase().startsWith("javascript:")))
                            found.push(el.tagName.toLowerCase() + "[" + name + "]");
                    }
                }
                for (const script of document.querySelectorAll("script:not([src])")) {
                    const type = (script.type || "").toLowerCase();
                    if (type !== "application/json" && script.textContent.trim()) found.push("inline <script>");
                }
                return found.slice(0, 5);
            }"""
        )
        if inline and not urlsplit(url).path.startswith("/api/docs"):
            visit.problems.append(f"inline script (refused by the CSP): {', '.join(inline)}")
        overflow = self.page.evaluate(
            """() => {
                const root = document.documentElement;
                if (root.scrollWidth <= root.clientWidth) return null;
                const wide = [];
                for (const el of document.querySelectorAll("body *")) {
                    const box = el.getBoundingClientRect();
                    if (box.right > root.clientWidth + 1 && box.width > 0) {
                        const inside = el.parentElement && el.parentElement.getBoundingClientRect().right > root.clientWidth + 1;
                        if (!inside) wide.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
                            + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "")
                            + " (right edge " + Math.round(box.right) + " px)");
                    }
                    if (wide.length >= 3) break;
                }
                return {scroll: root.scrollWidth, client: root.clientWidth, wide};
            }"""
        )
        if overflow:
            visit.problems.append(
                f"horizontal overflow: page {overflow['scroll']} px wide in a {overflow['client']} px window;"
                f" widest: {', '.join(overflow['wide']) or 'unknown'}"
            )
        # The whole page up to SHOT_MAX_HEIGHT (the longest lists take seconds to encode in full).
        height = min(self.page.evaluate("document.documentElement.scrollHeight"), SHOT_MAX_HEIGHT)
        self.page.screenshot(
            path=str(self.folder / _shot_name(self.role, url)),
            full_page=True,
            clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": max(height, VIEWPORT["height"])},
        )
        self.current = None
        return visit

    def links(self, selector: str) -> list[str]:
        hrefs = self.page.eval_on_selector_all(
            selector, "els => els.filter(e => !e.hasAttribute('download')).map(e => e.href)"
        )
        return [url for url in (_followable(self.base, href) for href in hrefs) if url]

    def close(self):
        self.context.close()


def _crawl(browser, base: str, role: str) -> list[Visit]:
    crawler = Crawler(browser, base, role)
    try:
        crawler.sign_in()
        nav = list(dict.fromkeys(crawler.links(NAV_LINKS)))
        assert nav, f"{role}: no entry found in the main navigation ({NAV_LINKS})"
        seen = {_pattern(urlsplit(url).path) for url in nav}
        visits = []
        for url in nav:
            visit = crawler.visit(url)
            visits.append(visit)
            seen.add(_pattern(urlsplit(visit.final).path))
            below = []
            for link in crawler.links(CONTENT_LINKS):
                pattern = _pattern(urlsplit(link).path)
                if pattern is None or pattern in seen:
                    continue
                seen.add(pattern)
                below.append(link)
                if len(below) == PER_PAGE:
                    break
            for link in below:
                visits.append(crawler.visit(link))
        return visits
    finally:
        crawler.close()


def _report(visits: list[Visit]) -> str:
    return "\n".join(f"{v.url}\n    " + "\n    ".join(v.problems) for v in visits)


@pytest.mark.parametrize("role", ROLES)
def test_every_navigation_page_and_the_pages_below_load_cleanly(browser, demo_site, role):
    visits = _crawl(browser, demo_site.url, role)
    assert len(visits) >= 3, f"{role}: only {[v.url for v in visits]} visited"
    known = {path for (who, path) in KNOWN_DEFECTS if who == role}
    failing = [v for v in visits if v.problems and v.path not in known]
    assert not failing, f"{role}: {len(failing)} of {len(visits)} pages have problems:\n{_report(failing)}"


@pytest.mark.parametrize(
    "role,path",
    [pytest.param(r, p, marks=pytest.mark.xfail(strict=True, reason=why)) for (r, p), why in KNOWN_DEFECTS.items()]
    or [pytest.param("-", "-", marks=pytest.mark.skip(reason="no known defect is listed"))],
)
def test_known_defect_is_still_there(browser, demo_site, role, path):
    crawler = Crawler(browser, demo_site.url, role)
    try:
        crawler.sign_in()
        visit = crawler.visit(path)
    finally:
        crawler.close()
    assert not visit.problems, _report([visit])
