"""Take the README's screenshots from a running pbudget (`make run` in another terminal).

    .venv/bin/python docs/screenshots.py [http://127.0.0.1:8000]

Uses Debian's Chromium (/usr/bin/chromium) through Playwright; writes docs/screenshots/*.png.
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).resolve().parent / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = [
    # (file name, path, viewport width, height, full page)
    ("home-desktop.png", "/", 1280, 900, False),
    ("home-phone.png", "/", 390, 844, True),
]


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=ARGS
        )
        for name, path, width, height, full_page in SHOTS:
            context = browser.new_context(
                viewport={"width": width, "height": height}, device_scale_factor=1
            )
            page = context.new_page()
            page.goto(BASE + path)
            page.screenshot(path=str(OUT / name), full_page=full_page)
            context.close()
            print(f"wrote {OUT / name}")
        browser.close()


if __name__ == "__main__":
    main()
