"""axe-core in the browser tests: served from the local npm copy, never from a CDN.

Usage in a Playwright test::

    from tests.browser.axe import assert_no_serious_violations, run_axe

    page.goto(live_server.url + "/ar/")
    assert_no_serious_violations(page)            # WCAG 2.0/2.1 A + AA rules
    violations = run_axe(page, include="#main")   # all impacts, for a closer look

``static/vendor/axe-core/axe.min.js`` is copied from node_modules by ``make install``
(scripts/vendor_assets.py). The file is injected with ``page.add_script_tag(path=...)``, so it
is never fetched over the network and the page under test does not need to serve it.
Pages whose Content-Security-Policy forbids inline scripts load the same file from the
app's own /static/ instead (a script from 'self' is allowed).
"""
from __future__ import annotations

import json
from pathlib import Path

AXE_JS = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")


def inject(page) -> None:
    if not AXE_JS.is_file():
        raise AssertionError(f"{AXE_JS} is missing: run `make install` (npm ci + scripts/vendor_assets.py)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        origin = page.evaluate("window.location.origin")
        page.add_script_tag(url=origin + "/static/vendor/axe-core/axe.min.js")


def run_axe(page, tags: list[str] | None = None, include: str | None = None,
            exclude: list[str] | None = None, disable: list[str] | None = None) -> list[dict]:
    """axe's violations on the current page (each a dict with id, impact, help, nodes …)."""
    inject(page)
    context: dict | str = {"include": [include or "html"]}
    if exclude:
        context["exclude"] = [[sel] for sel in exclude]
    options: dict = {"runOnly": {"type": "tag", "values": tags or WCAG_AA}, "resultTypes": ["violations"]}
    if disable:
        options["rules"] = {rule: {"enabled": False} for rule in disable}
    result = page.evaluate(
        "async ([context, options]) => { const r = await axe.run(context, options);"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,"
        " nodes: v.nodes.map(n => ({target: n.target, html: n.html.slice(0, 300),"
        " summary: n.failureSummary}))})); }",
        [context, options],
    )
    return result


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v.get("impact") in BLOCKING]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])} node(s))")
        for node in v["nodes"][:5]:
            lines.append(f"    {json.dumps(node['target'])}: {node['html'][:160]}")
            if node.get("summary"):
                lines.append("      " + node["summary"].replace("\n", "\n      ")[:400])
    return "\n".join(lines)


def assert_no_serious_violations(page, **kwargs) -> list[dict]:
    """Fail on any violation of impact serious or critical; return all violations found."""
    violations = run_axe(page, **kwargs)
    blocking = serious(violations)
    assert not blocking, f"axe on {page.url}:\n{describe(blocking)}"
    return violations
