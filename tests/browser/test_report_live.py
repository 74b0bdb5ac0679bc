"""An interactive report draws its live charts at the size of its static drawings, in the layout
that fits the page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from chartspec.report import markdown_to_report

from .conftest import Visit


@pytest.mark.parametrize("width", [1280, 420])
def test_live_charts_are_as_wide_as_the_static_ones(
    specs_dir: Path, tmp_path: Path, visit: Callable[..., Visit], width: int
) -> None:
    source = tmp_path / "report.md"
    source.write_text("# Report\n\n{{ chart: memory3 }}\n\n{{ chart: faceted }}\n")
    live = markdown_to_report(
        source, specs_dir=specs_dir, out_path=tmp_path / "live.html", interactive=True
    )
    static = markdown_to_report(source, specs_dir=specs_dir, out_path=tmp_path / "static.html")
    sizes = {}
    for name, path in (("live", live), ("static", static)):
        v = visit(path.as_uri(), width=width, wait_live=False)
        if name == "live":
            v.page.wait_for_function(
                "document.querySelectorAll('.chartspec-chart.is-live svg').length === 2",
                timeout=15_000,
            )
        assert v.errors == []
        boxes = [
            v.page.locator(f"#figure-{i} .chartspec-chart svg >> visible=true").first.bounding_box()
            for i in (1, 2)
        ]
        sizes[name] = [(round(b["width"]), round(b["height"])) for b in boxes if b]
    # The same layout at its own size (never scaled, so text keeps its size): widths and heights
    # may differ by a few pixels, text being measured by another engine.
    assert len(sizes["live"]) == len(sizes["static"]) == 2
    for live_size, static_size in zip(sizes["live"], sizes["static"], strict=True):
        assert all(abs(a - b) <= 4 for a, b in zip(live_size, static_size, strict=True))
