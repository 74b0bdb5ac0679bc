"""Hand-written Vega-Lite specs (tests/handwritten/) pass `check` and publish with `site`."""

from __future__ import annotations

import json

from conftest import REPO

HANDWRITTEN = REPO / "tests" / "handwritten"
SPECS = sorted(HANDWRITTEN.glob("*.vl.json"))


def test_the_specs_cover_every_kind_of_view_and_data():
    texts = [json.loads(p.read_text(encoding="utf-8")) for p in SPECS]
    for key in ("layer", "hconcat", "facet", "repeat", "params"):
        assert any(key in spec for spec in texts), key
    urls = [spec["data"]["url"] for spec in texts if "url" in spec.get("data", {})]
    assert any(u.endswith(".csv") for u in urls) and any(u.endswith(".json") for u in urls)
    assert any("values" in spec.get("data", {}) for spec in texts)
    assert not any("usermeta" in spec for spec in texts)


def test_check_passes_on_handwritten_specs(cli):
    done = cli("check", *SPECS, cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == f"{len(SPECS)} spec(s) checked: all clean\n"


def test_site_publishes_handwritten_specs(cli, tmp_path):
    out = tmp_path / "site"
    done = cli("site", "--specs", HANDWRITTEN, "--out", out, cwd=REPO)
    assert done.returncode == 0, done.stderr
    for path in SPECS:
        name = path.name.removesuffix(".vl.json")
        assert (out / f"{name}.html").is_file()
        assert (out / "charts" / f"{name}.svg").read_text(encoding="utf-8").startswith("<svg")
    assert (out / "charts" / "data" / "fruit.csv").is_file()
    assert not (out / "report.html").exists()  # reports only with --reports
