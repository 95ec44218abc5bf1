"""Screenshots of the portal's pages at phone (390x844) and desktop size, for a human look.

Run against a server started with `make run`:  .venv/bin/python scripts/screenshots.py
PNG files go to var/screenshots/. Uses Debian's chromium through Playwright.
"""

import argparse
import re
from pathlib import Path

from playwright.sync_api import sync_playwright

PASSWORD = "gridsafety-demo"
SIZES = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
    "desktop": {"viewport": {"width": 1366, "height": 900}},
}
# (persona, path or a callable that navigates, name)
PAGES = [
    (None, "/accounts/login/", "login"),
    ("teacher", "/", "home-teacher"),
    ("teacher", "/grids/", "tree-teacher"),
    ("principal", "/", "home-principal"),
    ("principal", "/grids/", "tree-principal"),
    ("admin", "/grids/coverage/", "coverage-admin"),
    ("admin", "cell:2-01-02-01", "cell-admin"),
    ("admin", "reassign:2-01-02-01", "reassign-admin"),
    ("villager", "/", "home-villager"),
    ("teacher", "/hazards/new/", "report-teacher"),
    ("teacher", "/hazards/", "hazards-teacher"),
    ("principal", "/hazards/?tab=queue", "queue-principal"),
    ("principal", "hazard:YH", "hazard-principal"),
    ("principal", "/hazards/inbox/", "inbox-principal"),
    ("admin", "sign:2-02-02-01", "signs-admin"),
    ("teacher", "/grids/cells/999999/", "not-found"),
    ("principal", "/reports/", "dashboard-principal"),
    ("manager", "/reports/", "dashboard-manager"),
    ("principal", "/reports/scorecard/?by=person&sort=-reported", "scorecard-principal"),
    ("bureau", "/", "home-bureau"),
    ("bureau", "/reports/bureau/?sort=-open", "bureau"),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default="var/screenshots")
    parser.add_argument("--only", help="regex on page names")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for size, device in SIZES.items():
            sessions = {}
            for persona, target, name in PAGES:
                if args.only and not re.search(args.only, name):
                    continue
                if persona not in sessions:
                    context = browser.new_context(locale="zh-CN", **device)
                    page = context.new_page()
                    if persona:
                        page.goto(f"{args.url}/accounts/login/")
                        page.fill("#id_username", persona)
                        page.fill("#id_password", PASSWORD)
                        page.click("button[type=submit]")
                        page.wait_for_url(f"{args.url}/")
                    sessions[persona] = page
                page = sessions[persona]
                if target.startswith("hazard:"):
                    page.goto(f"{args.url}/hazards/?tab=queue&status=all")
                    rows = page.locator(".hazard-row")
                    page.goto(f"{args.url}{rows.last.get_attribute('href')}")
                elif ":" in target and not target.startswith("/"):
                    kind, code = target.split(":")
                    page.goto(f"{args.url}/grids/")
                    href = page.locator(f'[data-cell="{code}"] .cell-name').first.get_attribute(
                        "href"
                    )
                    page.goto(f"{args.url}{href}")
                    if kind == "reassign":
                        page.click('a[href$="/assign/"]')
                    if kind == "sign":
                        page.click('a[href*="/hazards/signs/"]')
                else:
                    page.goto(f"{args.url}{target}")
                if name.startswith("dashboard"):
                    page.wait_for_timeout(800)  # the charts' entry animation
                path = out / f"{name}-{size}.png"
                page.screenshot(path=str(path), full_page=True)
                print(path)
        browser.close()


if __name__ == "__main__":
    main()
