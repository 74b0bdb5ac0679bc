"""chartspec: data tables in, canonical, schema-checked Vega-Lite specs out.

The public API is imported lazily, so that `chartspec --help` starts fast; type checkers see
the real names through the imports below.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chartspec.check import check_files as check_files
    from chartspec.diff import ChartDiff as ChartDiff
    from chartspec.diff import DataChange as DataChange
    from chartspec.diff import PropertyChange as PropertyChange
    from chartspec.diff import RowChange as RowChange
    from chartspec.diff import diff_specs as diff_specs
    from chartspec.diff import spec_to_facts as spec_to_facts
    from chartspec.errors import ChartspecError as ChartspecError
    from chartspec.errors import ChartspecException as ChartspecException
    from chartspec.errors import ChartspecWarning as ChartspecWarning
    from chartspec.errors import CheckFailed as CheckFailed
    from chartspec.errors import InternalError as InternalError
    from chartspec.errors import UsageError as UsageError
    from chartspec.export import spec_to_pdf as spec_to_pdf
    from chartspec.export import spec_to_png as spec_to_png
    from chartspec.export import spec_to_svg as spec_to_svg
    from chartspec.fonts import FONT_FAMILY as FONT_FAMILY
    from chartspec.inputs import declare_input as declare_input
    from chartspec.labels import LabelBox as LabelBox
    from chartspec.labels import LinearScale as LinearScale
    from chartspec.labels import LogScale as LogScale
    from chartspec.labels import Scale as Scale
    from chartspec.labels import label_points as label_points
    from chartspec.labels import place_labels as place_labels
    from chartspec.labels import symbol_radius as symbol_radius
    from chartspec.lazy import LazyTable as LazyTable
    from chartspec.lazy import scan_query as scan_query
    from chartspec.project import specs_to_site as specs_to_site
    from chartspec.registry import ChartDef as ChartDef
    from chartspec.registry import chart as chart
    from chartspec.registry import load_charts as load_charts
    from chartspec.report import to_html_fragment as to_html_fragment
    from chartspec.sources import scan_csv as scan_csv
    from chartspec.sources import scan_parquet as scan_parquet
    from chartspec.spark import scan_spark as scan_spark
    from chartspec.spark import spark_session as spark_session
    from chartspec.specs import chart_to_spec as chart_to_spec
    from chartspec.specs import load_chart as load  # the name earlier READMEs used
    from chartspec.specs import load_chart as load_chart
    from chartspec.specs import spec_to_chart as spec_to_chart
    from chartspec.specs import spec_to_json as spec_to_json
    from chartspec.specs import with_key as with_key
    from chartspec.specs import with_schema as with_schema
    from chartspec.tables import Column as Column
    from chartspec.tables import TableSchema as TableSchema
    from chartspec.tables import load_table as load_table
    from chartspec.validate import Problem as Problem
    from chartspec.validate import check_spec as check_spec

__version__: str

__all__ = [
    "FONT_FAMILY",
    "ChartDef",
    "ChartDiff",
    "ChartspecError",
    "ChartspecException",
    "ChartspecWarning",
    "CheckFailed",
    "Column",
    "DataChange",
    "InternalError",
    "LabelBox",
    "LazyTable",
    "LinearScale",
    "LogScale",
    "Problem",
    "PropertyChange",
    "RowChange",
    "Scale",
    "TableSchema",
    "UsageError",
    "__version__",
    "chart",
    "chart_to_spec",
    "check_files",
    "check_spec",
    "declare_input",
    "diff_specs",
    "load",
    "load_chart",
    "load_charts",
    "load_table",
    "label_points",
    "place_labels",
    "scan_csv",
    "scan_parquet",
    "scan_query",
    "scan_spark",
    "spec_to_chart",
    "spec_to_facts",
    "spec_to_json",
    "spec_to_pdf",
    "spec_to_png",
    "spec_to_svg",
    "spark_session",
    "specs_to_site",
    "symbol_radius",
    "to_html_fragment",
    "with_key",
    "with_schema",
]

# The module that holds each public name.
_MODULES = {
    "chartspec.check": ("check_files",),
    "chartspec.diff": (
        "ChartDiff",
        "DataChange",
        "PropertyChange",
        "RowChange",
        "diff_specs",
        "spec_to_facts",
    ),
    "chartspec.errors": (
        "ChartspecError",
        "ChartspecException",
        "ChartspecWarning",
        "CheckFailed",
        "InternalError",
        "UsageError",
    ),
    "chartspec.export": ("spec_to_pdf", "spec_to_png", "spec_to_svg"),
    "chartspec.fonts": ("FONT_FAMILY",),
    "chartspec.inputs": ("declare_input",),
    "chartspec.labels": (
        "LabelBox",
        "LinearScale",
        "LogScale",
        "Scale",
        "label_points",
        "place_labels",
        "symbol_radius",
    ),
    "chartspec.lazy": ("LazyTable", "scan_query"),
    "chartspec.sources": ("scan_csv", "scan_parquet"),
    "chartspec.registry": ("ChartDef", "chart", "load_charts"),
    "chartspec.spark": ("scan_spark", "spark_session"),
    "chartspec.report": ("to_html_fragment",),
    "chartspec.project": ("specs_to_site",),
    "chartspec.specs": (
        "chart_to_spec",
        "load_chart",
        "spec_to_chart",
        "spec_to_json",
        "with_key",
        "with_schema",
    ),
    "chartspec.tables": ("Column", "TableSchema", "load_table"),
    "chartspec.validate": ("Problem", "check_spec"),
}
_EXPORTS = {name: module for module, names in _MODULES.items() for name in names}
_ALIASES = {"load": "load_chart"}


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if not TYPE_CHECKING:  # type checkers see the imports above, not a catch-all

    def __getattr__(name: str) -> Any:
        if name == "__version__":
            from importlib.metadata import version

            return version("chartspec")
        name = _ALIASES.get(name, name)
        if name in _EXPORTS:
            return getattr(import_module(_EXPORTS[name]), name)
        msg = f"module 'chartspec' has no attribute {name!r}"
        raise AttributeError(msg)
