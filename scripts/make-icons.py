"""Draw the app's icons (static/icons/*.png) from their SVGs with Debian's Chromium.

    .venv/bin/python scripts/make-icons.py

icon.svg (rounded, transparent corners) gives the 192 and 512 px icons; icon-maskable.svg (full bleed, the
mark inside the safe circle) gives the maskable 512 px icon and the 180 px Apple touch icon.
"""
from __future__ import annotations

import base64
from pathlib import Path

from playwright.sync_api import sync_playwright

ICONS = Path(__file__).resolve().parent.parent / "shopledger" / "static" / "icons"
DRAWN = {
    "icon-192.png": ("icon.svg", 192),
    "icon-512.png": ("icon.svg", 512),
    "icon-maskable-512.png": ("icon-maskable.svg", 512),
    "apple-touch-icon.png": ("icon-maskable.svg", 180),
}


def main() -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for target, (source, size) in DRAWN.items():
            page = browser.new_page(viewport={"width": size, "height": size})
            svg = base64.b64encode((ICONS / source).read_bytes()).decode()
            page.set_content(f'<html><body style="margin:0;background:transparent">'
                             f'<img src="data:image/svg+xml;base64,{svg}" '
                             f'width="{size}" height="{size}" style="display:block"></body></html>')
            page.wait_for_function("document.images[0].complete")
            page.screenshot(path=str(ICONS / target), omit_background=True)
            page.close()
            print(f"{target}: {size}x{size} from {source}")
        browser.close()


if __name__ == "__main__":
    main()
