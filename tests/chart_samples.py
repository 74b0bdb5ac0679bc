"""A realistic labelled scatter spec shared by the export and report tests."""

from __future__ import annotations

from typing import Any

# The seven models of the Memory³ figure: x = server throughput with retrieval (Table 21),
# y = mean of JEC-QA and MED with five references (Table 20).
POINTS = [
    ("Memory³-2B-SFT", 733.0, 47.8, 14),
    ("MiniCPM-2B-SFT", 501.5, 45.47, 14),
    ("Gemma-2B-it", 1581.0, 37.185, -10),
    ("Llama2-7B-Chat", 382.8, 36.195, -10),
    ("Phi-2", 622.2, 35.36, -10),
    ("Qwen1.5-1.8B-Chat", 908.2, 48.185, -10),
    ("Qwen1.5-4B-Chat", 460.7, 55.755, 14),
]
LABELS = [name for name, *_ in POINTS]


def make_scatter_spec(title: str = "Professional tasks vs. decoding speed") -> dict[str, Any]:
    """Return a labelled scatter of the Memory³ numbers, shaped like chartspec's own specs."""
    # `dy` moves a label above or below its point so no two labels collide.
    values = [{"model": m, "throughput": x, "score": y, "dy": d} for m, x, y, d in POINTS]
    x = {
        "field": "throughput",
        "type": "quantitative",
        "title": "Throughput (tokens/s)",
        "scale": {"type": "log", "domain": [300, 2000]},
        "axis": {"values": [300, 500, 700, 1000, 1500, 2000]},
    }
    y = {
        "field": "score",
        "type": "quantitative",
        "title": "Accuracy (%)",
        "scale": {"zero": False},
    }
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.4.1.json",
        "title": title,
        "description": "Retrieval-augmented accuracy against decoding speed with retrieval.",
        "width": 360,
        "height": 240,
        "datasets": {"data-0123456789ab": values},
        "data": {"name": "data-0123456789ab"},
        "layer": [
            {"mark": {"type": "point", "filled": True}, "encoding": {"x": x, "y": y}},
            *(
                {
                    "transform": [{"filter": f"datum.dy {op} 0"}],
                    "mark": {"type": "text", "dy": dy},
                    "encoding": {"x": x, "y": y, "text": {"field": "model", "type": "nominal"}},
                }
                for op, dy in (("<", -9), (">", 15))
            ),
        ],
        "usermeta": {
            "chartspec": {
                "name": "memory3",
                "title": title,
                "source": "Memory³ (arXiv:2407.01178), Tables 20 and 21",
                "key": "model",
            }
        },
    }
