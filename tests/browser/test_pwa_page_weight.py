"""Page weight, measured by Chromium: what the first load of the customers page and later navigations transfer.

Bytes are the DevTools protocol's encodedDataLength (headers and compressed body, as they crossed the wire), on
the demo shop, logged in without loading a page first so the browser's cache starts empty. The service worker
is kept out of this context: it would answer from its own cache and hide the network (its one-time precache
is measured separately). The numbers are written to artifacts/page-weight.json.
"""
from __future__ import annotations

import json
import re

import pytest

from .pages import seed_demo
from .pwa_support import csrf_from, log_in_quietly

FIRST_LOAD_BUDGET = 150_000
NAVIGATION_HTML_BUDGET = 15_000
FONT = re.compile(r"\.woff2$")


class Traffic:
    """Every response the page receives, with its transferred size, through the DevTools protocol."""

    def __init__(self, context, page):
        self.responses: dict[str, dict] = {}
        self.devtools = context.new_cdp_session(page)
        self.devtools.send("Network.enable")
        self.devtools.on("Network.responseReceived", self._received)
        self.devtools.on("Network.loadingFinished", self._finished)

    def _received(self, event):
        response = event["response"]
        headers = {name.lower(): value for name, value in response["headers"].items()}
        self.responses[event["requestId"]] = {
            "url": response["url"], "type": event["type"], "status": response["status"],
            "encoding": headers.get("content-encoding"), "cache": headers.get("cache-control"),
            "from_cache": response.get("fromDiskCache") or response.get("fromMemoryCache"), "bytes": 0,
        }

    def _finished(self, event):
        if event["requestId"] in self.responses:
            self.responses[event["requestId"]]["bytes"] = int(event["encodedDataLength"])

    def wait_for(self, page, path: str) -> None:
        """Wait until the response for `path` has finished arriving (the protocol's events come in their own time)."""
        for _ in range(100):
            if any(r["url"].endswith(path) and r["bytes"] for r in self.responses.values()):
                return
            page.wait_for_timeout(50)

    def take(self) -> list[dict]:
        taken = list(self.responses.values())
        self.responses.clear()
        return taken


def total(responses) -> int:
    return sum(response["bytes"] for response in responses)


@pytest.fixture
def demo(app, db):
    return seed_demo(app, db)


def first_load(new_context, demo, lang: str):
    """A browser with an empty cache, logged in (in `lang`) without a page, opening the customers list."""
    context = new_context(service_workers="block", locale="ur-PK" if lang == "ur" else "en-US")
    log_in_quietly(context, demo.owner_email, demo.password)
    if lang == "ur":
        token = csrf_from(context.request.get("/more").text())
        context.request.post("/language", form={"csrf_token": token, "locale": "ur", "next": "/"}, max_redirects=0)
    page = context.new_page()
    traffic = Traffic(context, page)
    page.goto("/customers")
    page.wait_for_load_state("networkidle")
    traffic.wait_for(page, "/customers")
    assert page.locator("html").get_attribute("lang") == lang
    return page, traffic, traffic.take()


def test_the_customers_page_is_light_on_first_load_and_later_navigations_are_small(new_context, demo, request):
    page, traffic, loaded = first_load(new_context, demo, "en")
    report = {"en": {"first_load_bytes": total(loaded), "responses": loaded}}

    assert total(loaded) < FIRST_LOAD_BUDGET, json.dumps(loaded, indent=1)
    # Text is compressed (all but the tiniest files); static files carry their content hash and are
    # kept for a year.
    for response in loaded:
        text = response["url"].endswith((".css", ".js", ".svg")) or response["type"] == "Document"
        if text and response["bytes"] > 2048:  # headers alone are about 1 KB
            assert response["encoding"] in ("br", "gzip"), response
        if "/static/" in response["url"]:
            assert re.search(r"\.[0-9a-f]{10}\.[a-z0-9]+$", response["url"]), response
            assert response["cache"] == "public, max-age=31536000, immutable", response
    # English pages fetch a 1 KB subset of the Urdu font for the language toggle's one word, not the font.
    fonts = [response for response in loaded if FONT.search(response["url"])]
    assert [re.sub(r"\.[0-9a-f]{10}\.", ".", font["url"].rsplit("/", 1)[1]) for font in fonts] == [
        "NotoNastaliqUrdu-label.woff2"]
    assert fonts[0]["bytes"] < 5_000

    # Later navigations: boosted links fetch the page's HTML and nothing else.
    navigations = {}
    for link, path in ((".bottom-nav a[href='/jobs']", "/jobs"), (".bottom-nav a[href='/invoices']", "/invoices"),
                       (".bottom-nav a[href='/customers']", "/customers"),
                       (f"a[href='/customers/{demo.ids['customer_id']}']", f"/customers/{demo.ids['customer_id']}")):
        page.locator(link).first.click()
        page.wait_for_url(re.compile(rf"{re.escape(path)}$"))
        page.wait_for_load_state("networkidle")
        traffic.wait_for(page, path)
        fetched = traffic.take()
        documents = [response for response in fetched if response["url"].endswith(path)]
        navigations[path] = {"html_bytes": total(documents), "other": [r for r in fetched if r not in documents]}
        assert documents and total(documents) < NAVIGATION_HTML_BUDGET, (path, fetched)
        assert all(response["encoding"] == "br" for response in documents)
        assert [r for r in fetched if r not in documents and not r["from_cache"] and r["bytes"] > 0] == [], fetched
    report["en"]["navigations"] = navigations

    # A new visit to the page later fetches only its HTML: every static file is still good in the cache.
    page.goto("/customers")
    page.wait_for_load_state("networkidle")
    traffic.wait_for(page, "/customers")
    again = traffic.take()
    report["en"]["second_visit_bytes"] = total(again)
    assert [r["url"] for r in again if r["bytes"] > 0 and not r["from_cache"]] == [page.url]

    # In Urdu the Nastaliq font comes too (two faces): everything else keeps within the same budget.
    page, traffic, loaded = first_load(new_context, demo, "ur")
    fonts = [response for response in loaded if FONT.search(response["url"])]
    rest = [response for response in loaded if response not in fonts]
    report["ur"] = {"first_load_bytes": total(loaded), "font_bytes": total(fonts), "other_bytes": total(rest),
                    "responses": loaded}
    assert total(rest) < FIRST_LOAD_BUDGET, json.dumps(rest, indent=1)
    assert {re.sub(r"\.[0-9a-f]{10}\.", ".", font["url"].rsplit("/", 1)[1]) for font in fonts} <= {
        "NotoNastaliqUrdu-400.woff2", "NotoNastaliqUrdu-700.woff2"}

    folder = request.config.rootpath / "artifacts"
    folder.mkdir(exist_ok=True)
    (folder / "page-weight.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
