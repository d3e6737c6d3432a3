"""A live server on the test app, Debian's Chromium through Playwright, and full-page screenshots."""
from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from shopledger.models import Role

CHROMIUM = Path("/usr/bin/chromium")
# Offline and quiet: no sandbox (containers), no GPU, no calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 390, "height": 844}
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder `browser`, so `-m "not browser"` leaves them out."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


class _QuietHandler(WSGIRequestHandler):
    """Keep werkzeug's one line per request out of the test output."""

    def log_request(self, *args, **kwargs) -> None:
        pass


def _buffered(app):
    """Read each response whole and close it before sending it.

    Werkzeug's development server skips closing a response (a static file) when the browser hangs
    up mid-transfer, and the leaked file handle would fail a later test as an unraisable warning.
    """

    def application(environ, start_response):
        iterable = app(environ, start_response)
        try:
            return [b"".join(iterable)]
        finally:
            if hasattr(iterable, "close"):
                iterable.close()

    return application


@pytest.fixture
def live_server(app, db) -> Iterator[str]:
    """Serve the test app on a free port for one test; yield its base URL."""
    server = make_server("127.0.0.1", 0, _buffered(app), threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium. "
            "Install it with `apt-get install chromium` (never `playwright install`).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_context(browser, live_server):
    """Open more fresh browser contexts (another phone); each is closed after the test."""
    opened = []

    def open_context(**options):
        settings = {"viewport": VIEWPORT, "locale": "en-US", "base_url": live_server}
        settings.update(options)
        context = browser.new_context(**settings)
        context.set_default_timeout(10_000)
        opened.append(context)
        return context

    yield open_context
    for context in reversed(opened):
        context.close()


@pytest.fixture
def context(new_context):
    return new_context()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def screenshot(request) -> Callable:
    """Save a full-page PNG as artifacts/screenshots/<test-name>-<step>.png."""
    folder = request.config.rootpath / "artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    test_name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")

    def take(step: str, target=None) -> Path:
        target = target or request.getfixturevalue("page")
        # From the top, once the loading bar has faded, so sticky and fixed bars sit where a person sees them.
        target.evaluate("() => window.scrollTo(0, 0)")
        target.wait_for_function(
            """() => !document.querySelector(".htmx-request")
                && getComputedStyle(document.getElementById("loading")).opacity === "0" """
        )
        path = folder / f"{test_name}-{step}.png"
        # caret="initial": hiding the caret injects an inline style, which the CSP (rightly) blocks.
        target.screenshot(path=str(path), full_page=True, caret="initial")
        return path

    return take


@dataclass
class JsProblems:
    """What went wrong in the page's scripts: errors on the console, CSP violations, uncaught exceptions."""

    console: list[str] = field(default_factory=list)
    uncaught: list[str] = field(default_factory=list)

    def all(self) -> list[str]:
        return [*self.console, *self.uncaught]


# Chromium reports most CSP refusals on the console; this catches the rest (it runs outside the page's CSP).
_REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


@pytest.fixture
def js_problems(page) -> JsProblems:
    """Record every console error or warning and uncaught exception on the test's page."""
    problems = JsProblems()
    page.add_init_script(_REPORT_CSP_VIOLATIONS)
    page.on(
        "console",
        lambda message: problems.console.append(f"{message.type}: {message.text} ({message.location.get('url')})")
        if message.type in ("error", "warning", "assert")
        else None,
    )
    page.on("pageerror", lambda error: problems.uncaught.append(f"{error.name}: {error.message}"))
    return problems


@dataclass(frozen=True)
class Member:
    email: str
    password: str
    name: str
    shop_name: str


@pytest.fixture
def shop_owner(db, make_shop, make_user, add_member) -> Member:
    """A shop with an owner (who can log in) and one person in each other role."""
    from tests.conftest import TEST_PASSWORD

    owner = make_user(name="Imran Qureshi", email="imran@noortailors.example.com")
    shop = make_shop(owner=owner, name="Noor Tailors")
    for role, name in ((Role.MANAGER, "Ayesha Khan"), (Role.STAFF, "Bilal Ahmed"), (Role.VIEWER, "Sana Malik")):
        add_member(shop, role, name=name)
    member = Member(email=owner.email, password=TEST_PASSWORD, name=owner.name, shop_name=shop.name)
    # The live server works on its own connections; hold no transaction open beside it.
    db.session.close()
    return member


def log_in(page, member: Member, *, submit: str = "form.card button[type='submit']") -> None:
    """Log in through the form (by field id, so it works in either language)."""
    page.goto("/login")
    page.locator("#email").fill(member.email)
    page.locator("#password").fill(member.password)
    page.locator(submit).click()
    page.wait_for_url(re.compile(r"/$"))
