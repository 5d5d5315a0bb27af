"""Visual regression material: a full-page screenshot of every page of the portal for every role.

The pages are found from the app's own routes (every GET route that is not the API, Beacon,
static files or a machine document), so a page added later is walked without editing this
file; path parameters are filled from `params` (a route whose parameter is unknown is listed
as skipped, never silently dropped). Each role logs in through the login page, as a person
would. Screens go to `<out>/<role>/<page>.png` with `<out>/index.json` listing role, path,
HTTP status, file and page height; CI keeps the folder as an artefact and a reviewer compares
it with the previous run's.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

from onconode.interfaces.http.routes_list import walk

MACHINE = ("/api/", "/beacon", "/static", "/.well-known")
NOT_PAGES = {"/login/oidc", "/login/oidc/callback", "/favicon.ico", "/catalog.jsonld"}
PARAM = re.compile(r"{(\w+)}")
MAX_FULL_HEIGHT = 20000  # a longer page is shot to this height (and says so in the index)
EXTRA = ("/no/such/page",)  # the 404 page


@dataclass
class Screen:
    role: str
    path: str
    status: int | None
    file: str | None
    height: int | None = None
    note: str = ""


def page_paths(app: Any, params: dict[str, str]) -> tuple[list[str], list[str]]:
    """(paths to visit, route paths skipped for an unknown parameter), from the app's GET routes."""
    paths, skipped = [], []
    for method, path, _ in walk(app.routes):
        if method != "GET" or path.startswith(MACHINE) or path in NOT_PAGES:
            continue
        names = PARAM.findall(path)
        if any(n not in params for n in names):
            skipped.append(path)
            continue
        paths.append(PARAM.sub(lambda m: params[m.group(1)], path))
    return sorted(set(paths)) + list(EXTRA), sorted(set(skipped))


def file_name(path: str) -> str:
    return (re.sub(r"[^A-Za-z0-9._-]+", "_", path.strip("/")) or "home") + ".png"


def shoot(page: Any, base: str, role: str, paths: list[str], out: Path) -> list[Screen]:
    """Visit each path as the logged-in `role`; a full HTML document is shot, anything else listed."""
    screens = []
    (out / role).mkdir(parents=True, exist_ok=True)
    for path in paths:
        response = page.goto(f"{base}{path}")
        status = response.status if response else None
        kind = (response.headers.get("content-type", "") if response else "")
        if not kind.startswith("text/html") or page.locator("html > body").count() == 0 or page.locator("head title").count() == 0:
            screens.append(Screen(role, path, status, None, note=f"not a page ({kind or 'no answer'})"))
            continue
        page.wait_for_load_state("networkidle")
        height = page.evaluate("document.documentElement.scrollHeight")
        target = out / role / file_name(path)
        if height <= MAX_FULL_HEIGHT:
            page.screenshot(path=str(target), full_page=True)
            note = ""
        else:
            page.screenshot(path=str(target), clip={"x": 0, "y": 0, "width": page.viewport_size["width"], "height": MAX_FULL_HEIGHT},
                            full_page=True)
            note = f"page is {height} px high; shot to {MAX_FULL_HEIGHT} px"
        screens.append(Screen(role, path, status, str(target.relative_to(out)), height, note))
    return screens


def walk_roles(page: Any, base: str, roles: dict[str, Callable[[], None] | None], paths: list[str], out: Path,
               skipped: list[str]) -> list[Screen]:
    """Every path for every role (`roles`: name → a function that logs the browser in, None for anonymous)."""
    screens: list[Screen] = []
    for role, log_in in roles.items():
        page.context.clear_cookies()
        if log_in is not None:
            log_in()
        screens += shoot(page, base, role, paths, out)
    index = {"roles": list(roles), "skipped_routes": skipped, "screens": [asdict(s) for s in screens]}
    (out / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    return screens
