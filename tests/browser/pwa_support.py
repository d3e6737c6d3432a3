"""Helpers for the installable-app tests: the service worker's state, its caches, the phone's store."""
from __future__ import annotations

import re
import time

from playwright.sync_api import TimeoutError as PlaywrightTimeout

# Every cache the page's origin holds, with the addresses in each: {"shopledger-static-<release>": [...]}.
CACHES = """async () => {
  const found = {};
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    found[name] = (await cache.keys()).map((request) => new URL(request.url).pathname + new URL(request.url).search);
  }
  return found;
}"""

# What waits on the phone to be sent (static/offline.js's IndexedDB store), oldest first.
PENDING = "() => window.ShopLedgerSync.entries()"


def controlled(page) -> None:
    """Wait until the service worker is installed, has precached the shell and controls the page.

    A page whose load began while the worker was still installing can miss its claim (a race in the browser,
    as on a real phone): loading it again, as the next visit would, puts it under the worker.
    """
    page.evaluate("""() => Promise.race([
      navigator.serviceWorker.ready,
      new Promise((_, reject) => setTimeout(() => reject(new Error("no service worker after 20 s")), 20000)),
    ]).then(() => true)""")
    for _ in range(2):
        try:
            page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=5_000)
            return
        except PlaywrightTimeout:
            page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=5_000)


def cache_names(page) -> dict[str, list[str]]:
    return page.evaluate(CACHES)


def kept_pages(page) -> dict[str, list[str]]:
    return {name: paths for name, paths in cache_names(page).items() if name.startswith("shopledger-pages-")}


def wait_until(page, script: str, arg=None, *, timeout: float = 10.0, message: str = "") -> object:
    """Evaluate an (async) script until it returns something truthy.

    page.wait_for_function takes a returned promise for a truthy answer, so awaited checks poll here.
    """
    deadline = time.monotonic() + timeout
    while True:
        found = page.evaluate(script, arg)
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout} s waiting for {message or script}")
        page.wait_for_timeout(100)


def wait_for_kept(page, path: str) -> None:
    """Wait until the service worker has kept a copy of `path` (it stores after answering)."""
    wait_until(
        page,
        """async (path) => {
          for (const name of await caches.keys()) {
            if (!name.startsWith("shopledger-pages-")) continue;
            const cache = await caches.open(name);
            if (await cache.match(path, { ignoreVary: true })) return true;
          }
          return false;
        }""",
        path,
        message=f"a kept copy of {path}",
    )


def pending(page) -> list[dict]:
    return page.evaluate(PENDING)


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"|"X-CSRFToken": "([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1) or found.group(2)


def log_in_quietly(context, email: str, password: str) -> None:
    """Log the context in through the login form without loading a page (so nothing is cached yet)."""
    token = csrf_from(context.request.get("/login").text())
    response = context.request.post("/login", form={"csrf_token": token, "email": email, "password": password},
                                    max_redirects=0)
    assert response.status == 303, response.text()[:500]
