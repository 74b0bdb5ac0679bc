"""The page decides how a chart is embedded: a spec's usermeta.embedOptions change nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from chart_samples import make_scatter_spec
from chartspec.project import specs_to_site

from .conftest import Visit, serve_folder

HOSTILE = {
    "actions": True,  # the page shows no export/source menu
    "renderer": "canvas",
    "ast": False,  # would compile expressions with eval, which the page's CSP blocks
    "sourceHeader": "<script>window.__pwned=1</script>",
    "loader": {"baseURL": "http://127.0.0.1:9/"},
    "tooltip": False,
    "defaultStyle": True,
}


def test_spec_embed_options_are_ignored(visit: Callable[..., Visit], tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    spec = make_scatter_spec()
    spec["usermeta"] = {"embedOptions": HOSTILE}
    (specs / "hostile.vl.json").write_text(json.dumps(spec), encoding="utf-8")
    specs_to_site(specs, tmp_path / "site")
    with serve_folder(tmp_path / "site") as url:
        v = visit(url + "hostile.html")
        live = v.page.locator(".chart.is-live")
        assert live.locator("svg g.role-mark").count() > 0  # drawn as SVG by the interpreter
        assert live.locator("canvas").count() == 0
        assert v.page.locator(".vega-actions, details.vega-actions").count() == 0
        assert v.page.evaluate("window.__pwned") is None
    assert v.errors == []  # no CSP violation (eval), no failed load
    assert not [r for r in v.requests if ":9/" in r]
