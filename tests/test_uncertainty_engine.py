"""The engine's memory model: design blocks, streaming to files, binned rank summaries, limits,
Dask tasks; and the reuse of one compiled engine."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from aiindex.analysis.uncertainty import Engine, evaluate_design, uncertainty
from aiindex.analysis.uncertainty import summary as summary_mod
from aiindex.errors import ConfigError
from test_uncertainty import ALL_FACTORS, ASEM_UA, TOY_DATA, toy_config

#: the Sobol' interval warning is the subject of tests/test_sobol_estimators.py; here it is noise
pytestmark = pytest.mark.filterwarnings("ignore:Sobol' bootstrap intervals leave:UserWarning")


SETS = {"name": "ws", "type": "weight_sets", "sets": [{"D1": 1, "D2": 3}, {"D1": 2, "D2": 1}]}


def _engine(factors=ALL_FACTORS, block=None):
    eng = Engine(toy_config(factors), data=TOY_DATA)
    if block is not None:
        eng.spec.block_size = block
    return eng


def test_one_block_is_drawn_like_default_rng():
    """N <= one block: the draws of ``default_rng(seed)`` in declared order (earlier versions)."""
    eng = _engine()
    d = uncertainty(None, engine=eng, n=50, seed=9).design
    rng = np.random.default_rng(9)
    norm = rng.integers(0, 2, 50)
    wn = 1.0 + rng.uniform(-0.5, 0.5, (50, 4))
    lw = eng.fw.local_weights()[["D1", "D2"]].to_numpy()
    wd = rng.dirichlet(5 * lw / lw.sum(), 50)
    agg = rng.integers(0, 4, 50)
    assert (d["norm"] == np.asarray(eng.factors[0].labels, dtype=object)[norm]).all()
    np.testing.assert_array_equal(d[[f"wn[m{i}]" for i in range(1, 5)]].to_numpy(), wn)
    np.testing.assert_array_equal(d[["wd[D1]", "wd[D2]"]].to_numpy(), wd)
    assert (d["agg"] == np.asarray(eng.factors[3].labels, dtype=object)[agg]).all()


def test_blocks_reproducible_any_chunk_size_backend_and_n():
    ref = uncertainty(None, engine=_engine(block=16), n=100, seed=4, keep_scores=True)
    for kw in ({"chunk_size": 5}, {"chunk_size": 1000}, {"backend": "dask"}):
        res = uncertainty(None, engine=_engine(block=16), n=100, seed=4, keep_scores=True, **kw)
        pd.testing.assert_frame_equal(res.design, ref.design, check_exact=True)
        # bit for bit: every sum has a fixed order, whatever the chunk's shape
        pd.testing.assert_frame_equal(res.scores, ref.scores, check_exact=True)
        pd.testing.assert_frame_equal(res.rank_stats, ref.rank_stats)
    # a block depends on the seed and its index only: the first 6 full blocks of N = 200
    longer = uncertainty(None, engine=_engine(block=16), n=200, seed=4, keep_scores=True)
    pd.testing.assert_frame_equal(longer.design.iloc[:96], ref.design.iloc[:96])
    # Engine.sample follows the same scheme
    eng = _engine(block=16)
    pd.testing.assert_frame_equal(eng.sample(100, seed=4), ref.design)
    # tasks never straddle a block; parts of a block read the same block
    from aiindex.analysis.uncertainty.run import SampledSource

    src = SampledSource(eng.spec, 100, 4)
    parts = src.tasks(max_rows=10)
    assert parts[:3] == [(0, 10), (10, 16), (16, 26)] and parts[-1] == (96, 100)
    got = pd.concat([src.frame(src.arrays(a, b)) for a, b in parts])
    pd.testing.assert_frame_equal(got, ref.design, check_exact=True)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_out_streams_the_same_tables(tmp_path, fmt):
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    eng = _engine(ALL_FACTORS + [SETS], block=32)
    mem = uncertainty(None, engine=eng, n=150, seed=2, keep_scores=True)
    res = uncertainty(None, engine=eng, n=150, seed=2, keep_scores=True, chunk_size=7,
                      out=tmp_path / "o", format=fmt)
    assert res.scores is None and res.design is None  # streamed, not held
    pd.testing.assert_frame_equal(res.rank_stats, mem.rank_stats)
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert manifest["complete"] and manifest["seed"] == 2
    names = {f["name"] for f in manifest["files"]}
    assert names == {f"design.{fmt}", f"scores.{fmt}", f"ranks.{fmt}", "rank_stats.csv"}

    def read(name):
        p = tmp_path / "o" / f"{name}.{fmt}"
        if fmt == "csv":
            return pd.read_csv(p, index_col=0)
        return pd.read_parquet(p).set_index("replication")

    np.testing.assert_array_equal(read("scores").to_numpy(), mem.scores.to_numpy())
    np.testing.assert_array_equal(read("ranks").to_numpy(), mem.ranks.to_numpy())
    d = read("design")
    assert list(d.columns) == list(mem.design.columns)
    np.testing.assert_array_equal(d["wn[m1]"].to_numpy(), mem.design["wn[m1]"].to_numpy())
    assert (d["agg"].astype(str).to_numpy() == mem.design["agg"].astype(str).to_numpy()).all()


def test_to_csv_writes_an_output_folder(tmp_path):
    res = uncertainty(None, engine=_engine(), n=40, seed=1, keep_scores=True)
    paths = res.to_csv(tmp_path / "x")
    assert paths[-1].name == "manifest.json"
    assert {p.name for p in paths[:-1]} == {"design.csv", "rank_stats.csv", "scores.csv",
                                            "ranks.csv"}


def test_binned_rank_summary_equals_the_exact_one(monkeypatch):
    """Beyond FULL_HISTOGRAM_UNITS the histogram is binned and a second pass finds the exact
    quantiles: the same statistics as the exact histogram."""
    rng = np.random.default_rng(0)
    data = pd.DataFrame(rng.lognormal(size=(37, 4)), columns=["m1", "m2", "m3", "m4"])
    data.insert(0, "uCode", [f"U{i:02d}" for i in range(37)])
    cfg = toy_config(ALL_FACTORS)
    exact = uncertainty(cfg, data=data, n=300, seed=3)
    assert exact.info["rank_histogram_width"] == 1
    monkeypatch.setattr(summary_mod, "FULL_HISTOGRAM_UNITS", 10)
    binned = uncertainty(cfg, data=data, n=300, seed=3, chunk_size=64)
    assert binned.info["rank_histogram_width"] > 1
    pd.testing.assert_frame_equal(binned.rank_stats, exact.rank_stats, check_exact=True)
    # a user design too (pass 2 reads it again)
    d = evaluate_design(cfg, exact.design, data=data)
    pd.testing.assert_frame_equal(d.rank_stats, exact.rank_stats, check_exact=True)


def test_memory_limit_refuses_before_work(monkeypatch):
    from aiindex.analysis.uncertainty import run as run_mod

    eng = _engine()
    monkeypatch.setattr(run_mod, "available_memory", lambda: 50 * 2**20)
    with pytest.raises(ConfigError, match=r"would need about .* but 50\.0 MB is available.*"
                                          r"keep_scores=False"):
        uncertainty(None, engine=eng, n=10**7, seed=1, keep_scores=True)
    with pytest.raises(ConfigError, match="smaller chunk_size"):
        uncertainty(None, engine=eng, n=10**7, seed=1, chunk_size=10**7)
    # within the limit: runs (nothing grows with n when nothing is kept)
    assert uncertainty(None, engine=eng, n=200, seed=1).n == 200


def test_cli_refuses_in_one_line(tmp_path, capsys, asem_dir):
    from aiindex.cli import main

    rc = main(["uncertainty", str(ASEM_UA), "--n", "1000000000", "--quiet",
               "--set", "uncertainty.chunk_size=1000000000"])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "would need about" in err and "chunk_size" in err
    # writing 10^9 replications' scores would not fit on the disk either
    rc = main(["uncertainty", str(ASEM_UA), "--n", "1000000000", "--quiet", "--out",
               str(tmp_path / "o"), "--set", "uncertainty.keep_scores=true"])
    err = capsys.readouterr().err
    assert rc == 2 and "is free" in err and not (tmp_path / "o" / "scores.csv").exists()


def test_dask_scatters_once_and_reduces_in_a_tree(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    eng = _engine(block=64)
    ref = uncertainty(None, engine=eng, n=300, seed=3, keep_scores=True)
    with distributed.LocalCluster(processes=False, n_workers=2, threads_per_worker=1,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        summ = uncertainty(None, engine=eng, n=300, seed=3, backend="dask", keep_design=False)
        kept = uncertainty(None, engine=eng, n=300, seed=3, backend="dask", keep_scores=True)
        out = uncertainty(None, engine=eng, n=300, seed=3, backend="dask",
                          out=tmp_path / "d", keep_scores=True)
    pd.testing.assert_frame_equal(summ.rank_stats, ref.rank_stats)
    pd.testing.assert_frame_equal(kept.scores, ref.scores)
    pd.testing.assert_frame_equal(kept.design, ref.design)
    np.testing.assert_array_equal(pd.read_csv(tmp_path / "d" / "ranks.csv",
                                              index_col=0).to_numpy(), ref.ranks.to_numpy())
    assert out.info["backend"] == "dask"


def test_report_builds_one_engine(monkeypatch, asem_dir):
    import aiindex
    from aiindex.analysis import uncertainty as unc
    from aiindex.outputs.report import report_html

    built = []
    real = unc.Engine.__init__

    def spy(self, *a, **kw):
        built.append(1)
        real(self, *a, **kw)

    monkeypatch.setattr(unc.Engine, "__init__", spy)
    cfg = aiindex.config.resolve_config(ASEM_UA, {"uncertainty": {"n": 200},
                                                 "sensitivity": {"n": 64, "n_resamples": 19}})
    html = report_html(aiindex.run(cfg), charts=False)
    assert "id='uncertainty'" in html and "id='sensitivity'" in html
    assert len(built) == 1
