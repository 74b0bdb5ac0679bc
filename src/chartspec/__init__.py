"""chartspec: data tables in, canonical, schema-checked Vega-Lite specs out.

The public API is imported lazily, so that `chartspec --help` starts fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "chart": "chartspec.registry",
    "ChartDef": "chartspec.registry",
    "Column": "chartspec.tables",
    "TableSchema": "chartspec.tables",
    "load_table": "chartspec.tables",
    "ChartspecError": "chartspec.errors",
    "with_key": "chartspec.specs",
    "chart_to_spec": "chartspec.specs",
    "spec_to_json": "chartspec.specs",
    "check_spec": "chartspec.validate",
    "check_files": "chartspec.check",
    "load": "chartspec.specs",
    "spec_to_chart": "chartspec.specs",
    "to_html_fragment": "chartspec.report",
    "spec_to_svg": "chartspec.export",
    "spec_to_png": "chartspec.export",
    "spec_to_pdf": "chartspec.export",
    "specs_to_site": "chartspec.site",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    msg = f"module 'chartspec' has no attribute {name!r}"
    raise AttributeError(msg)
