"""Charts are saved atomically: an unwritable place is an OutputError, an interrupted save
leaves no file (neither the final name nor a temporary)."""

from __future__ import annotations

import pandas as pd
import pytest

from aiindex.errors import OutputError
from aiindex.outputs import charts

pytest.importorskip("matplotlib")

GAP = pd.DataFrame({"year": [2020, 2021], "gap": [1.0, 2.0]})


def _fig():
    fig = charts._figure(3, 2)
    fig.add_subplot().plot([1, 2], [3, 4])
    return fig


@pytest.mark.parametrize("save", ["figure", "gap"])
def test_parent_is_a_file_is_an_output_error(tmp_path, save) -> None:
    (tmp_path / "f").write_text("x")
    target = tmp_path / "f" / "c.png"
    with pytest.raises(OutputError, match="f"):
        if save == "figure":
            charts.save_figure(_fig(), target)
        else:
            charts.plot_gap(GAP, "A", "B", path=target)


@pytest.mark.parametrize("save", ["figure", "gap"])
def test_interrupted_save_leaves_no_file(tmp_path, monkeypatch, save) -> None:
    from matplotlib.figure import Figure

    def boom(self, fname, **kw):
        with open(fname, "wb") as fh:  # half a file, then the interruption
            fh.write(b"\x89PNG")
        raise KeyboardInterrupt

    monkeypatch.setattr(Figure, "savefig", boom)
    target = tmp_path / "out" / "c.png"
    with pytest.raises(KeyboardInterrupt):
        if save == "figure":
            charts.save_figure(_fig(), target)
        else:
            charts.plot_gap(GAP, "A", "B", path=target)
    assert not target.exists()
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_save_writes_the_file(tmp_path) -> None:
    p = charts.save_figure(_fig(), tmp_path / "a" / "c.svg")
    assert p.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    charts.plot_gap(GAP, "A", "B", path=tmp_path / "g.pdf")
    assert (tmp_path / "g.pdf").read_bytes().startswith(b"%PDF")
