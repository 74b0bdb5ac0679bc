"""Tests for chartspec.export: SVG, PNG and PDF files from specs."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader

from chart_samples import LABELS, make_scatter_spec
from chartspec import export, fonts
from chartspec.errors import ChartspecError
from chartspec.export import (
    EXPORTERS,
    export_specs,
    spec_to_pdf,
    spec_to_png,
    spec_to_svg,
    write_atomic,
)
from chartspec.spec import find_spec

GOLDEN_DIR = Path(__file__).parent / "golden"
AXIS_TITLES = ["Throughput (tokens/s)", "Accuracy (%)"]


def write_spec(folder: Path, name: str, spec: dict[str, Any]) -> Path:
    path = folder / f"{name}.vl.json"
    path.write_text(json.dumps(spec, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def svg_texts(svg: str) -> list[str]:
    return [
        t.replace("&amp;", "&").replace("&lt;", "<")
        for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    ]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def svg_size(svg: str) -> tuple[float, float]:
    match = re.search(r'<svg[^>]* width="([\d.]+)" height="([\d.]+)"', svg)
    assert match
    return float(match[1]), float(match[2])


def test_svg_has_labels_axis_titles_and_bundled_font(scatter_spec: dict[str, Any]) -> None:
    svg = spec_to_svg(scatter_spec)
    texts = svg_texts(svg)
    for label in [*LABELS, *AXIS_TITLES, scatter_spec["title"]]:
        assert label in texts
    families = set(re.findall(r'font-family="([^"]*)"', svg))
    assert families == {f"{fonts.FONT_FAMILY}, sans-serif"}
    # The file brings the font its text uses, for viewers that do not have it.
    assert '<style>@font-face{font-family:"Fira Sans";font-weight:400;' in svg
    assert "src:url(data:font/woff2;base64," in svg


def test_spec_font_is_kept_when_the_spec_sets_one(scatter_spec: dict[str, Any]) -> None:
    scatter_spec["config"] = {"font": "Some Other Font"}
    assert 'font-family="Some Other Font, sans-serif"' in spec_to_svg(scatter_spec)


@pytest.mark.parametrize(
    ("scale", "ppi", "factor"), [(None, None, 1), (2, None, 2), (None, 144, 2)]
)
def test_png_size_follows_scale_and_ppi(
    scatter_spec: dict[str, Any], scale: float | None, ppi: float | None, factor: float
) -> None:
    width, height = svg_size(spec_to_svg(scatter_spec))
    data = spec_to_png(scatter_spec, scale=scale, ppi=ppi)
    assert png_size(data) == (round(width * factor), round(height * factor))


def test_pdf_is_one_page_with_labels_as_text(scatter_spec: dict[str, Any]) -> None:
    reader = PdfReader(io.BytesIO(spec_to_pdf(scatter_spec)))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for label in [*LABELS, *AXIS_TITLES]:
        assert label in text
    assert reader.metadata is None or not reader.metadata.get("/CreationDate")


@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
def test_exports_are_byte_identical_across_runs(scatter_spec: dict[str, Any], fmt: str) -> None:
    hashes = {
        hashlib.sha256(EXPORTERS[fmt](scatter_spec, base_dir=None, scale=None, ppi=None)).digest()
        for _ in range(3)
    }
    assert len(hashes) == 1


RENDER_IN_CHILD = """
import hashlib, json, pathlib, sys
from chartspec.export import spec_to_pdf, spec_to_png, spec_to_svg
spec = json.loads(sys.stdin.read())
system = [p for p in pathlib.Path("/usr/share/fonts").rglob("*") if p.is_file()]
print(json.dumps({
    "system_fonts": len(system),
    "svg": spec_to_svg(spec),
    "png": hashlib.sha256(spec_to_png(spec)).hexdigest(),
    "pdf": hashlib.sha256(spec_to_pdf(spec)).hexdigest(),
}))
"""


# Hides the system font folders from the child in a private mount namespace (needs root);
# exit status 97 says that was not possible here.
HIDE_SYSTEM_FONTS = (
    "for d in /usr/share/fonts /usr/local/share/fonts; do "
    '[ -d "$d" ] && { mount -t tmpfs none "$d" || exit 97; }; done; exec "$0" "$@"'
)


def run_without_system_fonts(tmp_path: Path, code: str, stdin: str) -> tuple[str, bool]:
    """Run Python `code` with no system fonts; return its output and whether folders were hidden."""
    # An empty fontconfig file and a bare HOME also leave out per-user fonts.
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<fontconfig></fontconfig>\n', encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "FONTCONFIG_FILE": str(conf),
        "FONTCONFIG_PATH": str(tmp_path),
    }
    python = [sys.executable, "-c", code]
    unshare = shutil.which("unshare")
    if unshare and os.geteuid() == 0:
        hidden = subprocess.run(
            [unshare, "-m", "sh", "-c", HIDE_SYSTEM_FONTS, *python],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        if hidden.returncode == 0:
            return hidden.stdout, True
    plain = subprocess.run(
        python, input=stdin, capture_output=True, text=True, env=env, timeout=120, check=True
    )
    return plain.stdout, False


def test_rendering_needs_no_system_fonts(tmp_path: Path, scatter_spec: dict[str, Any]) -> None:
    output, hidden = run_without_system_fonts(tmp_path, RENDER_IN_CHILD, json.dumps(scatter_spec))
    child = json.loads(output)
    if hidden:
        # Proof that the child really saw no system fonts: it found none to list.
        assert child["system_fonts"] == 0
    families = set(re.findall(r'font-family="([^"]*)"', child["svg"]))
    assert families == {f"{fonts.FONT_FAMILY}, sans-serif"}
    # Same pixels and same PDF as here: the machine's fonts played no part.
    assert child["png"] == hashlib.sha256(spec_to_png(scatter_spec)).hexdigest()
    assert child["pdf"] == hashlib.sha256(spec_to_pdf(scatter_spec)).hexdigest()


def image_difference(actual: Image.Image, expected: Image.Image) -> float:
    """Return the mean absolute difference of two RGBA images, 0 (same) to 1."""
    a = np.asarray(actual.convert("RGBA"), dtype=np.float64)
    b = np.asarray(expected.convert("RGBA"), dtype=np.float64)
    return float(np.abs(a - b).mean() / 255)


def test_png_matches_golden_image(update_golden: bool) -> None:
    expected_path = GOLDEN_DIR / "scatter.png"
    actual_path = GOLDEN_DIR / "scatter.actual.png"
    data = spec_to_png(make_scatter_spec(), scale=2)
    if update_golden:
        GOLDEN_DIR.mkdir(exist_ok=True)
        expected_path.write_bytes(data)
        actual_path.unlink(missing_ok=True)
        return
    assert expected_path.is_file(), "no reference image: run pytest --update-golden"
    actual = Image.open(io.BytesIO(data))
    expected = Image.open(expected_path)
    same_size = actual.size == expected.size
    difference = image_difference(actual, expected) if same_size else 1.0
    if not same_size or difference > 0.002:
        actual_path.write_bytes(data)
        pytest.fail(
            f"PNG differs from {expected_path.name} (size {actual.size} vs {expected.size}, "
            f"mean difference {difference:.4f}); see {actual_path}, "
            "or run pytest --update-golden if the change is intended"
        )
    actual_path.unlink(missing_ok=True)


def test_image_difference_sees_a_moved_label() -> None:
    spec = make_scatter_spec()
    moved = make_scatter_spec()
    moved["layer"][1]["mark"]["dy"] = -30
    a = Image.open(io.BytesIO(spec_to_png(spec)))
    b = Image.open(io.BytesIO(spec_to_png(moved)))
    assert image_difference(a, a) == 0
    assert image_difference(a, b) > 0.002


@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
def test_export_specs_writes_one_file_per_spec(
    tmp_path: Path, scatter_spec: dict[str, Any], fmt: str
) -> None:
    specs_dir = tmp_path / "specs"
    specs_dir.mkdir()
    paths = [
        write_spec(specs_dir, "memory3", scatter_spec),
        write_spec(specs_dir, "b", scatter_spec),
    ]
    out = tmp_path / "out" / "nested"
    written = export_specs(paths, fmt=fmt, out_dir=out)  # type: ignore[arg-type]
    assert written == [out / f"memory3.{fmt}", out / f"b.{fmt}"]
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in written)
    assert written[0].read_bytes() == EXPORTERS[fmt](
        scatter_spec, base_dir=None, scale=None, ppi=None
    )


def test_export_specs_png_scale(tmp_path: Path, scatter_spec: dict[str, Any]) -> None:
    path = write_spec(tmp_path, "memory3", scatter_spec)
    (png,) = export_specs([path], fmt="png", out_dir=tmp_path / "out", scale=3)
    width, height = svg_size(spec_to_svg(scatter_spec))
    assert png_size(png.read_bytes()) == (round(width * 3), round(height * 3))


def test_relative_url_data_is_read_beside_the_spec(tmp_path: Path) -> None:
    spec = make_scatter_spec()
    rows = spec.pop("datasets").popitem()[1]
    (tmp_path / "data").mkdir()
    lines = ["model,throughput,score,dy"] + [
        f"{r['model']},{r['throughput']},{r['score']},{r['dy']}" for r in rows
    ]
    (tmp_path / "data" / "points.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    spec["data"] = {"url": "data/points.csv"}
    path = write_spec(tmp_path, "fromfile", spec)
    (svg,) = export_specs([path], fmt="svg", out_dir=tmp_path / "out")
    texts = svg_texts(svg.read_text(encoding="utf-8"))
    for label in LABELS:
        assert label in texts
    # The log scale only works if the CSV numbers were parsed as numbers.
    assert "2,000" in texts


def test_url_data_inside_layers_is_inlined(tmp_path: Path) -> None:
    (tmp_path / "v.json").write_text('[{"a": "first"}, {"a": "second"}]', encoding="utf-8")
    spec = {
        "layer": [{"data": {"url": "v.json"}, "mark": "text", "encoding": {"text": {"field": "a"}}}]
    }
    texts = svg_texts(spec_to_svg(spec, base_dir=tmp_path))
    assert "first" in texts and "second" in texts


def test_remote_url_data_is_refused(scatter_spec: dict[str, Any]) -> None:
    scatter_spec["data"] = {"url": "https://example.org/points.csv"}
    with pytest.raises(ChartspecError, match="is remote and not pinned.*--fetch-remote"):
        spec_to_svg(scatter_spec)


def test_missing_data_file_names_it(tmp_path: Path, scatter_spec: dict[str, Any]) -> None:
    scatter_spec["data"] = {"url": "nope.csv"}
    path = write_spec(tmp_path, "memory3", scatter_spec)
    with pytest.raises(ChartspecError, match="data url 'nope.csv': file not found") as info:
        export_specs([path], fmt="svg", out_dir=tmp_path / "out")
    assert info.value.file == str(path)


def test_unknown_format_is_refused(tmp_path: Path, scatter_spec: dict[str, Any]) -> None:
    path = write_spec(tmp_path, "memory3", scatter_spec)
    with pytest.raises(ChartspecError, match="unknown export format 'gif'"):
        export_specs([path], fmt="gif", out_dir=tmp_path / "out")  # type: ignore[arg-type]
    assert not (tmp_path / "out").exists()


def test_unknown_chart_lists_known_ones(tmp_path: Path, scatter_spec: dict[str, Any]) -> None:
    write_spec(tmp_path, "memory3", scatter_spec)
    assert find_spec("memory3", specs_dir=tmp_path) == tmp_path / "memory3.vl.json"
    with pytest.raises(ChartspecError, match="unknown chart 'memory4'; known charts: memory3"):
        find_spec("memory4", specs_dir=tmp_path)


def test_unwritable_output_folder_is_refused(tmp_path: Path, scatter_spec: dict[str, Any]) -> None:
    path = write_spec(tmp_path, "memory3", scatter_spec)
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(ChartspecError, match="cannot create output folder"):
        export_specs([path], fmt="svg", out_dir=blocker / "out")


def test_bad_spec_writes_nothing(tmp_path: Path, scatter_spec: dict[str, Any]) -> None:
    good = write_spec(tmp_path, "good", scatter_spec)
    bad = write_spec(tmp_path, "bad", {"mark": "circl", "data": {"values": []}})
    out = tmp_path / "out"
    with pytest.raises(ChartspecError, match="Vega-Lite schema") as info:
        export_specs([good, bad], fmt="png", out_dir=out)
    assert info.value.file == str(bad)
    assert not out.exists()


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.vl.json"
    path.write_text('{\n  "mark": "point",\n  oops\n}\n', encoding="utf-8")
    with pytest.raises(ChartspecError, match="not valid JSON") as info:
        export_specs([path], fmt="svg", out_dir=tmp_path / "out")
    assert (info.value.file, info.value.row) == (str(path), 3)


def test_scale_and_ppi_are_exclusive_and_png_only(scatter_spec: dict[str, Any]) -> None:
    with pytest.raises(ChartspecError, match="either a scale or a ppi"):
        spec_to_png(scatter_spec, scale=2, ppi=144)
    with pytest.raises(ChartspecError, match="positive"):
        spec_to_png(scatter_spec, scale=0)
    with pytest.raises(ChartspecError, match="PNG only"):
        EXPORTERS["pdf"](scatter_spec, base_dir=None, scale=2, ppi=None)


def test_failed_write_keeps_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "chart.svg"
    target.write_bytes(b"old")

    def fail(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export.os, "replace", fail)
    with pytest.raises(ChartspecError, match="No space left"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["chart.svg"]


def test_cli_export(tmp_path: Path, scatter_spec: dict[str, Any], cli: Any) -> None:
    (tmp_path / "specs").mkdir()
    write_spec(tmp_path / "specs", "m", scatter_spec)
    done = cli("export", "m", "--format", "png", "--scale", "2", "--out", "out", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (0, "exported 1 chart(s) to out/\n")
    width, height = svg_size(spec_to_svg(scatter_spec))
    assert png_size((tmp_path / "out" / "m.png").read_bytes()) == (width * 2, height * 2)
    done = cli("export", "nope", "--format", "svg", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == "chartspec: error: unknown chart 'nope'; known charts: m\n"
