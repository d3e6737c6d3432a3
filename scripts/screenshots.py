"""Take the README's phone screenshots (390 px wide, English and Urdu) of the demo shop.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Runs the app on a throwaway SQLite database in a temporary instance folder, migrates it, seeds the demo
shop, serves it on a free local port and drives Debian's Chromium (/usr/bin/chromium) through Playwright.
Nothing outside the temporary folder and the output folder is touched.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = Path("/usr/bin/chromium")
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


def build_demo_app(instance: Path):
    """Create the app on a fresh SQLite database with every migration and the demo shop."""
    # The environment wins over create_app's config for these two: set them so no real instance is used.
    os.environ["SHOPLEDGER_ENV"] = "development"
    os.environ["INSTANCE_PATH"] = str(instance)
    from flask_migrate import upgrade

    from shopledger import create_app
    from shopledger.cli import seed_demo_shop
    from shopledger.extensions import db

    app = create_app(
        {
            "SHOPLEDGER_ENV": "development",
            "INSTANCE_PATH": str(instance),
            "DATABASE_URL": f"sqlite:///{instance / 'shopledger.db'}",
            "SESSION_COOKIE_SECURE": False,
            "LOG_LEVEL": "WARNING",
        }
    )
    with app.app_context():
        upgrade()
        seed_demo_shop()
        db.session.commit()
    return app


def serve(app):
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs) -> None:
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="screenshots-server", daemon=True)
    thread.start()
    return server, thread


def settle(page) -> None:
    """Wait for the fonts and the loading bar; drop the toasts and the focus ring: just the page itself."""
    page.wait_for_function(
        """() => !document.querySelector(".htmx-request")
            && getComputedStyle(document.getElementById("loading")).opacity === "0" """
    )
    page.evaluate(
        """async () => {
            await document.fonts.ready;
            document.querySelectorAll(".toast").forEach((toast) => toast.remove());
            if (document.activeElement) document.activeElement.blur();
        }"""
    )


def shoot(page, out: Path, name: str) -> None:
    settle(page)
    path = out / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def switch_language(page, lang: str) -> None:
    with page.expect_navigation():
        page.locator(".topbar .lang-toggle button").click()
    page.wait_for_selector(f"html[lang='{lang}']")


def take_screenshots(base_url: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    from shopledger.cli import DEMO_MEMBERS, DEMO_PASSWORD

    owner_email = DEMO_MEMBERS[0][0]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport=VIEWPORT, device_scale_factor=1, locale="en-US", base_url=base_url
            )
            page = context.new_page()
            page.goto("/login")
            page.locator("#email").fill(owner_email)
            page.locator("#password").fill(DEMO_PASSWORD)
            page.locator("form.card button[type='submit']").click()
            page.wait_for_url(f"{base_url}/")
            page.wait_for_selector("main h1")
            shoot(page, out, "home-en")

            page.goto("/members")
            shoot(page, out, "members-en")

            switch_language(page, "ur")
            shoot(page, out, "members-ur")

            page.goto("/")
            shoot(page, out, "home-ur")

            page.goto("/more")
            page.locator("main form[action$='/logout'] button").click()
            page.wait_for_url(f"{base_url}/login")
            page.wait_for_selector("html[lang='ur']")
            shoot(page, out, "login-ur")
            context.close()
        finally:
            browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots", help="where the PNGs go")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 1
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="shopledger-screenshots-") as folder:
        app = build_demo_app(Path(folder))
        server, thread = serve(app)
        try:
            take_screenshots(f"http://127.0.0.1:{server.server_port}", out)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
            from shopledger.extensions import db

            with app.app_context():
                db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
