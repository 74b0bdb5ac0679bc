"""What readers may cite and reuse of a chart: its metadata, a README, and one ZIP of its files.

Everything here is read from the spec (`usermeta.chartspec`: title, sources, declared columns,
key, processing notes, licence, the tables it was built from) and from the files the site
publishes, never from chart code, so a hand-written spec gets the same downloads.
Outputs are byte-stable: sorted keys, no clock, ZIP entries sorted with fixed dates.
"""

from __future__ import annotations

import functools
import io
import json
import re
import zipfile
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from chartspec.cache import sha256_bytes
from chartspec.inputs import project_input_version
from chartspec.spec import VEGA_LITE_VERSION, chartspec_meta

METADATA_SCHEMA = "chart-metadata.schema.json"
"""The JSON Schema of `<name>.metadata.json`, shipped in `chartspec/schema/`."""
METADATA_FORMAT = "chartspec-chart-metadata/1"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a ZIP entry can hold
ZIP_MODE = 0o100644  # a regular file, read-write for its owner, readable by all
_SCHEMA_VERSION = re.compile(r"/v(\d+(?:\.\d+)*)\.json$")
_SOURCE_KEYS = ("name", "url", "retrieved", "note")
_COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")  # SHA-1 or SHA-256 object ids


def metadata_schema() -> dict[str, Any]:
    """Return the JSON Schema every `<name>.metadata.json` is valid against."""
    text = (resources.files("chartspec") / "schema" / METADATA_SCHEMA).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def chart_metadata(
    spec: dict[str, Any],
    *,
    name: str,
    title: str,
    description: str,
    data_files: Sequence[tuple[str, str, int, bytes]],
    license: str | None = None,
    versions: Mapping[str, str] = {},
    inputs: Sequence[Mapping[str, str]] | None = None,
    revision: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return a chart's metadata: what it shows, where its numbers come from, how it was made.

    `data_files` are the downloads of its data (file name, label, rows, bytes); `license`
    applies unless the spec gives its own; `versions` are of the libraries that drew it;
    `inputs` are the table files it was built from with their versions (see
    `spec_inputs`), by default those the spec names, without versions; `revision` is the
    commit it was built from and which of its files differed from it (see `site_revision`
    in vcs.py), given only for a site that is not committed with the project.
    """
    meta = chartspec_meta(spec)
    found = {
        "format": METADATA_FORMAT,
        "name": name,
        "title": title,
        "description": description,
        "sources": spec_sources(meta),
        "notes": _strings(meta.get("notes")),
        "license": _text(meta.get("license")) or license or None,
        "key": _text(meta.get("key")) or None,
        "columns": _columns(meta.get("columns")),
        "data": [
            {"file": file, "label": label, "rows": rows, "sha256": sha256_bytes(content)}
            for file, label, rows, content in data_files
        ],
        "inputs": [dict(i) for i in inputs] if inputs is not None else spec_inputs(spec),
        "versions": {
            "chartspec": _chartspec_version(),
            "vega-lite": _spec_version(spec),
            **versions,
        },
    }
    if _text(meta.get("code")):
        found["code"] = meta["code"]
    if revision is not None:
        found["revision"] = dict(revision)
    return found


def spec_inputs(spec: dict[str, Any], *, root: Path | None = None) -> list[dict[str, str]]:
    """Return the table files a spec names (`usermeta.chartspec.inputs`), each with its
    version (see `inputs.input_version`) when it is a file inside the project folder `root`.

    The version depends on the content alone, so a committed site still matches a rebuild
    after `git commit`: the input's `git_blob` finds the commits that hold it.
    """
    found = []
    for item in _inputs(chartspec_meta(spec).get("inputs")):
        version = project_input_version(root, item["path"]) if root is not None else None
        found.append({**item, **(version or {})})
    return found


def spec_sources(meta: Mapping[str, Any]) -> list[dict[str, str]]:
    """Return the sources `usermeta.chartspec` names: `sources` (texts or objects with a name,
    url, retrieved and note) or else the one `source` text."""
    given = meta.get("sources")
    if not isinstance(given, list) or not given:
        given = [meta.get("source")]
    sources = []
    for item in given:
        if isinstance(item, str) and item.strip():
            sources.append({"name": item.strip()})
        elif isinstance(item, dict) and _text(item.get("name")):
            sources.append({k: _text(item[k]) for k in _SOURCE_KEYS if _text(item.get(k))})
    return sources


def recorded_commit(charts_dir: Path) -> str | None:
    """Return the commit the metadata files in `charts_dir` (a site's `charts/`) name, if any:
    one site build names one commit."""
    for path in sorted(Path(charts_dir).glob("*.metadata.json")):
        try:
            revision = json.loads(path.read_text(encoding="utf-8")).get("revision")
        except (OSError, ValueError, AttributeError):
            continue
        commit = revision.get("commit") if isinstance(revision, dict) else None
        if isinstance(commit, str) and _COMMIT.fullmatch(commit):
            return commit
    return None


def metadata_to_json(metadata: Mapping[str, Any]) -> str:
    """Return metadata as canonical JSON text: sorted keys, 2-space indent, trailing newline."""
    return json.dumps(metadata, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def readme_text(metadata: Mapping[str, Any], *, files: Sequence[str], page_url: str | None) -> str:
    """Return the README.md of a chart's ZIP: what it shows, its data, how to cite and reuse it."""
    m = metadata
    lines = [f"# {m['title']}", "", m["description"], ""]
    lines += ["## Sources", ""]
    lines += [f"- {_source_line(s)}" for s in m["sources"]] or ["- not stated"]
    lines += ["", "## Data", ""]
    for d in m["data"]:
        lines.append(f"- `{d['file']}`: {d['label']}, {d['rows']} rows (SHA-256 {d['sha256']})")
    if m["columns"]:
        lines += ["", "| column | type | unit | description |", "| --- | --- | --- | --- |"]
        lines += [
            "| {} | {} | {} | {} |".format(
                *(_cell(c.get(k, "")) for k in ("name", "type", "unit", "description"))
            )
            for c in m["columns"]
        ]
    if m["key"]:
        lines += ["", f"Each row is identified by its `{m['key']}`."]
    if m["notes"]:
        lines += ["", "## Processing notes", ""] + [f"- {note}" for note in m["notes"]]
    lines += ["", "## Licence", ""]
    lines.append(m["license"] or "No licence is declared: ask the publisher before reusing.")
    lines += ["", "## How to cite", ""]
    sources = "; ".join(s["name"] for s in m["sources"])
    where = f" {page_url}" if page_url else ""
    lines.append(f"{m['title']}.{f' Data: {sources}.' if sources else ''}{where}")
    lines += ["", "## Files", ""] + [f"- `{f}`" for f in files]
    lines += ["", "## Made with", ""]
    lines += [f"- {lib} {version}" for lib, version in sorted(m["versions"].items())]
    if m.get("code"):
        lines.append(f"- chart code `{m['code']}`")
    lines += [_input_line(i) for i in m["inputs"]]
    if m.get("revision"):
        lines += ["", _revision_line(m["revision"])]
    return "\n".join(lines) + "\n"


def _revision_line(revision: Mapping[str, Any]) -> str:
    text = f"Built from commit `{revision['commit']}`"
    if revision["uncommitted"]:
        files = ", ".join(f"`{rel}`" for rel in revision["uncommitted"])
        return f"{text}, with uncommitted changes to {files}."
    return f"{text}."


def chart_zip(
    files: Mapping[str, bytes], metadata: Mapping[str, Any], *, page_url: str | None
) -> bytes:
    """Return a chart's ZIP: its `files` by name, and a README.md that lists them."""
    readme = readme_text(metadata, files=sorted({"README.md", *files}), page_url=page_url)
    return files_to_zip({**files, "README.md": readme.encode("utf-8")})


def files_to_zip(files: Mapping[str, bytes]) -> bytes:
    """Return a ZIP of `files` by name whose bytes depend on nothing else: entries sorted,
    dated 1980-01-01, mode 644, deflated (PNG, already compressed, stored)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.external_attr = ZIP_MODE << 16
            info.create_system = 3  # Unix, so the mode above is what unzip applies
            stored = name.endswith(".png")
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name], compresslevel=None if stored else 9)
    return out.getvalue()


def table_input(path: Path, *, module_file: Path) -> dict[str, str]:
    """Return how a spec records a table file it was built from: its path.

    The path is relative to the chart module's project (the folder holding its folder), or
    else the file's name, so it does not depend on where the project lives. The file's bytes
    are not hashed here: an ignored column would change the spec while its data stays the
    same; the site's metadata gives each input's version (see `spec_inputs`).
    """
    root = module_file.resolve().parent.parent
    resolved = path.resolve()
    rel = resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else path.name
    return {"path": rel}


def module_path(module_file: Path) -> str:
    """Return how a spec records the chart module that drew it, as `table_input` a table."""
    return table_input(module_file, module_file=module_file)["path"]


def _input_line(item: Mapping[str, str]) -> str:
    if "sha256" not in item:
        return f"- input `{item['path']}` (not in the project: no version)"
    return f"- input `{item['path']}`, SHA-256 {item['sha256']}, git blob {item['git_blob']}"


def _source_line(source: Mapping[str, str]) -> str:
    parts = [source["name"]]
    if source.get("url"):
        parts.append(f"<{source['url']}>")
    if source.get("retrieved"):
        parts.append(f"retrieved {source['retrieved']}")
    line = ", ".join(parts)
    return f"{line}. {source['note']}" if source.get("note") else line


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _columns(columns: Any) -> list[dict[str, Any]]:
    """Return the declared columns with their type (string when not given)."""
    if not isinstance(columns, list):
        return []
    out = []
    for c in columns:
        if isinstance(c, dict) and _text(c.get("name")):
            found: dict[str, Any] = {"name": c["name"], "type": _text(c.get("type")) or "string"}
            for key in ("unit", "description"):
                if _text(c.get(key)):
                    found[key] = c[key]
            if isinstance(c.get("decimals"), int) and not isinstance(c["decimals"], bool):
                found["decimals"] = c["decimals"]
            out.append(found)
    return out


def _inputs(inputs: Any) -> list[dict[str, str]]:
    if not isinstance(inputs, list):
        return []
    return [{"path": i["path"]} for i in inputs if isinstance(i, dict) and _text(i.get("path"))]


def _strings(value: Any) -> list[str]:
    """Return a text or a list of texts as a list of non-empty texts."""
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [item.strip() for item in items if isinstance(item, str) and item.strip()]


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _spec_version(spec: Mapping[str, Any]) -> str:
    """Return the Vega-Lite version a spec's `$schema` names (chartspec's own without one)."""
    found = _SCHEMA_VERSION.search(str(spec.get("$schema", "")))
    return found[1] if found else VEGA_LITE_VERSION


@functools.cache
def _chartspec_version() -> str:
    from importlib.metadata import version

    return version("chartspec")
