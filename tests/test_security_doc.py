"""SECURITY.md's figures are the numbers the tests assert, never typed by hand and left stale."""

from __future__ import annotations

from browser.test_payloads import PAYLOADS
from conftest import REPO
from test_bad_inputs import CASES
from test_fuzz import CI_EXAMPLES
from test_publish import KILL_POINTS
from test_render import COMMANDS as DRAWING_COMMANDS


def figures() -> str:
    """Return the figures section as SECURITY.md must hold it."""
    return "\n".join(
        [
            "<!-- figures:start -->",
            f"- bad-input cases, each run through the real `chartspec` command: **{len(CASES):,}**",
            "- fuzz examples per CI run (hypothesis profile `ci`; `HYPOTHESIS_PROFILE=dev` runs "
            f"20,000): **{CI_EXAMPLES:,}**",
            "- SIGKILL points survived (build killed, then recovered to exactly before or after): "
            f"**{KILL_POINTS:,}**",
            f"- script payloads tried in the browser under the CSP: **{len(PAYLOADS) + 1:,}**",
            "- commands that draw, run against a local HTTP server that must see no request and "
            f"a `file:`\n  canary that must not appear in any output: **{len(DRAWING_COMMANDS)}**",
            "<!-- figures:end -->",
        ]
    )


def test_security_md_figures_match_the_tests() -> None:
    text = (REPO / "SECURITY.md").read_text(encoding="utf-8")
    assert figures() in text, "update SECURITY.md's figures section to:\n" + figures()
