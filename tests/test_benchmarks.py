"""The benchmark suite runs (tiny sizes) and prints its table of ratios."""

from __future__ import annotations

from benchmarks.__main__ import main
from benchmarks.suite import Result, table, write_csv


def test_quick_run_prints_a_table_of_ratios(capsys):
    assert main(["--quick", "--only", "startup", "big", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "--help start-up" in out
    assert "heatmap 6,000 rows" in out
    assert "ratio" in out.splitlines()[1]


def test_results_are_written_as_csv(tmp_path):
    result = Result("warm build", "build", "cold", 0.5, 10.0, "s", ">= 20x", True)
    write_csv([result], tmp_path / "r.csv")
    lines = (tmp_path / "r.csv").read_text().splitlines()
    assert lines[1] == "warm build,build,cold,0.5,10,s,20,>= 20x,yes"
    assert "20.00x" in table([result])
