"""Turn an Altair chart into a canonical Vega-Lite spec, and a spec into canonical JSON text."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, Self, TypeVar

from chartspec.aggregate import needs_preaggregation, preaggregated_dict
from chartspec.errors import ChartspecError
from chartspec.spec import SCHEMA_URL as SCHEMA_URL
from chartspec.spec import SPEC_SUFFIX as SPEC_SUFFIX
from chartspec.spec import VEGA_LITE_VERSION as VEGA_LITE_VERSION
from chartspec.spec import chartspec_meta as chartspec_meta
from chartspec.spec import check_drawable, find_spec
from chartspec.spec import spec_name as spec_name

if TYPE_CHECKING:
    from chartspec.registry import ChartDef
    from chartspec.tables import TableSchema


# Twelve significant digits hide float noise such as 47.800000000000004 but keep every
# digit a table of measurements can hold, so the same numbers give the same bytes.
SIGNIFICANT_DIGITS = 12


def chart_to_spec(
    chart: Any,
    definition: ChartDef,
    *,
    inputs: list[dict[str, str]] | None = None,
    code: str | None = None,
) -> dict[str, Any]:
    """Return the canonical spec of `chart`, titled, described and sourced by `definition`.

    `inputs` are the table files it was drawn from (see `provenance.table_input`), `code`
    the chart module that drew it (see `provenance.module_path`).
    """
    import altair as alt

    from chartspec.pushdown import is_lazy, pushed_down_dict  # defers pandas until a chart runs

    aggregated = is_lazy(chart) or needs_preaggregation(chart)
    if is_lazy(chart):
        spec = pushed_down_dict(chart)
    elif aggregated:
        spec = preaggregated_dict(chart)
    else:
        with alt.data_transformers.enable("default", max_rows=None):
            spec = chart.to_dict(validate=False)
    spec["$schema"] = SCHEMA_URL
    spec.setdefault("title", {"text": definition.title, "subtitle": f"Source: {definition.source}"})
    spec.setdefault("description", definition.description)
    meta: dict[str, Any] = {
        "name": definition.name,
        "title": definition.title,
        "source": definition.source,
    }
    declared = spec.get("usermeta", {}).get("chartspec", {})
    for item in ("key", "columns"):  # set by `with_key` and `with_schema`
        if declared.get(item):
            meta[item] = declared[item]
    if aggregated:  # the rows are the chart's aggregate: readers see them as it encodes them
        meta["aggregated"] = True
    if definition.featured:  # only when set, so other specs keep their bytes
        meta["featured"] = True
    if definition.notes:
        meta["notes"] = list(definition.notes)
    if definition.license:
        meta["license"] = definition.license
    if code:
        meta["code"] = code
    if inputs:
        meta["inputs"] = [{"path": path} for path in sorted({found["path"] for found in inputs})]
    spec.setdefault("usermeta", {})["chartspec"] = meta
    spec = canonical_spec(spec, name=definition.name)
    check_drawable(spec, file=definition.location)  # never write a spec no command can read
    return spec


def canonical_spec(spec: dict[str, Any], *, name: str = "spec") -> dict[str, Any]:
    """Round floats, refuse NaN and infinity, and name inline datasets by their content hash."""
    spec = _round_floats(spec, name, "")
    datasets = spec.get("datasets")
    if datasets:
        renamed = {old: _dataset_name(rows) for old, rows in datasets.items()}
        spec["datasets"] = {renamed[old]: rows for old, rows in datasets.items()}
        spec = _rename_data(spec, renamed)
    return spec


class _Chart(Protocol):
    def properties(self, **kwargs: Any) -> Self: ...


ChartT = TypeVar("ChartT", bound=_Chart)
"""Any Altair chart: what `with_key` and `with_schema` are given, they return."""


def with_key(chart: ChartT, key: str) -> ChartT:
    """Declare the key column of the chart's data, so diffs match rows by it."""
    return _with_meta(chart, {"key": key})


def with_schema(chart: ChartT, schema: TableSchema) -> ChartT:
    """Declare the columns of the chart's data, and its key column when `schema` has one.

    Readers of the site's data tables, CSV downloads and report appendices see these columns,
    in this order, with their units and `decimals`; other columns (label positions, flags that
    only place or colour marks) are left out of what they read, not out of the chart.
    """
    # deferred: the column types come with pandas, which planning a build does not need
    from chartspec.datatable import schema_to_columns

    declared: dict[str, Any] = {"columns": schema_to_columns(schema)}
    if schema.key:
        declared["key"] = schema.key
    return _with_meta(chart, declared)


def _with_meta(chart: ChartT, items: dict[str, Any]) -> ChartT:
    """Return the chart with `items` added to its `usermeta.chartspec`."""
    usermeta = getattr(chart, "usermeta", None)
    usermeta = dict(usermeta) if isinstance(usermeta, dict) else {}
    usermeta["chartspec"] = {**usermeta.get("chartspec", {}), **items}
    return chart.properties(usermeta=usermeta)


def spec_to_json(spec: dict[str, Any]) -> str:
    """Return the canonical text of `spec`: sorted keys, 2-space indent, one data row per line."""
    return _dump(spec, 0) + "\n"


def spec_to_script_json(spec: dict[str, Any]) -> str:
    """Serialise a spec for a `<script type="application/json">` block that data cannot escape."""
    text = json.dumps(
        spec, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def spec_to_chart(spec: dict[str, Any]) -> Any:
    """Return the Altair chart of a Vega-Lite spec, for display in a notebook."""
    import altair as alt

    kinds: dict[str, type[alt.SchemaBase]] = {
        "layer": alt.LayerChart,
        "hconcat": alt.HConcatChart,
        "vconcat": alt.VConcatChart,
        "concat": alt.ConcatChart,
        "facet": alt.FacetChart,
        "repeat": alt.RepeatChart,
    }
    kind = next((kinds[key] for key in kinds if key in spec), alt.Chart)
    return kind.from_dict(spec, validate=False)


def load_chart(name: str, *, specs_dir: str | Path = "specs") -> Any:
    """Return the chart `name` from `specs_dir` as an Altair chart (it displays in Jupyter)."""
    from chartspec.export import load_spec  # defers vl-convert until used

    return spec_to_chart(load_spec(find_spec(name, specs_dir=Path(specs_dir))))


def _dump(value: Any, level: int, *, parent_key: str | None = None) -> str:
    pad = "  " * level
    if isinstance(value, dict) and value:
        # A named dataset's rows are dumped like inline `values`.
        in_datasets = level == 1 and parent_key == "datasets"
        items = [
            f"{pad}  {_scalar(key)}: "
            + _dump(item, level + 1, parent_key="values" if in_datasets else key)
            for key, item in sorted(value.items())
        ]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list) and value:
        if parent_key == "values":  # data rows one per line: a changed row is a one-line diff
            items = [_compact(item) for item in value]
        else:
            items = [_dump(item, level + 1) for item in value]
        return "[\n" + ",\n".join(f"{pad}  {item}" for item in items) + f"\n{pad}]"
    return _scalar(value)


def _scalar(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, sort_keys=True)


def _compact(value: Any) -> str:
    return json.dumps(
        value, ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":")
    )


def _round_floats(value: Any, name: str, path: str) -> Any:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ChartspecError(
                f"the spec holds {value} at {path or '(root)'}",
                file=name,
                hint="NaN and infinity are not valid JSON; fix the data or the chart",
            )
        return float(f"{value:.{SIGNIFICANT_DIGITS}g}")
    if isinstance(value, dict):
        return {k: _round_floats(v, name, f"{path}.{k}" if path else k) for k, v in value.items()}
    if isinstance(value, list):
        return [_round_floats(v, name, f"{path}[{i}]") for i, v in enumerate(value)]
    return value


def _dataset_name(rows: Any) -> str:
    return "data-" + hashlib.sha256(_compact(rows).encode("utf-8")).hexdigest()[:16]


def _rename_data(value: Any, renamed: dict[str, str]) -> Any:
    if isinstance(value, dict):
        out = {k: _rename_data(v, renamed) for k, v in value.items()}
        data = out.get("data")
        if isinstance(data, dict) and data.get("name") in renamed:
            out["data"] = {**data, "name": renamed[data["name"]]}
        return out
    if isinstance(value, list):
        return [_rename_data(v, renamed) for v in value]
    return value
