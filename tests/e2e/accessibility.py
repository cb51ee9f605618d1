"""axe-core's verdict on a page: what it finds serious or critical against WCAG 2.1 A and AA.

axe-core (the engine behind Lighthouse's accessibility audit) ships inside
axe-playwright-python. It is injected by the test, so the browser context
must be created with ``bypass_csp=True``: the product's CSP rightly refuses it.
"""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
SERIOUS = {"serious", "critical"}


def serious_violations(page: Page, within: str | None = None) -> list[str]:
    """One line per serious finding on the page (or inside the ``within`` selector): its rule and first elements."""
    results: dict[str, Any] = Axe().run(page, context=within, options=WCAG).response
    return [
        f"{violation['id']} ({violation['impact']}): "
        + " | ".join(node["html"][:120] for node in violation["nodes"][:3])
        for violation in results["violations"]
        if violation["impact"] in SERIOUS
    ]
