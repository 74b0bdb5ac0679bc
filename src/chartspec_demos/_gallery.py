"""What the gallery charts share: the bundled datasets, their source lines, the common look."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vega_datasets import local_data

from chartspec.fonts import FONT_FAMILY
from chartspec.specs import with_key

# Categorical colours that stay apart for readers with the common colour-vision deficiencies,
# each with at least 3:1 contrast against the light and the dark page (rule CS401).
PALETTE = ["#4c78a8", "#e27700", "#54a24b", "#e45756", "#5a9f9a", "#b279a2", "#9d755d"]
# The same hues dark enough for text on the light page (4.5:1), for charts that label in colour.
TEXT_PALETTE = ["#4c78a8", "#b65e00", "#37852e", "#d04446", "#3a807b"]
WIDTH, HEIGHT = 560, 320


def dataset_file(name: str) -> Path:
    """Return the file that vega_datasets ships for the dataset `name` (never downloads)."""
    return Path(getattr(local_data, name).filepath)


def finish(chart: Any, *, key: str | None = None) -> Any:
    """Apply the gallery's look (the bundled font everywhere) and declare the data's key."""
    chart = chart.configure(font=FONT_FAMILY).configure_view(stroke=None)
    return with_key(chart, key) if key else chart
