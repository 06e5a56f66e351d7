"""Calibration defaults, overlays and the one weights dialect (issue 14): ``aiindex calibrate``
finds the scale by default, ``--out`` writes an overlay that ``aiindex run`` and ``aiindex
whatif`` accept as is, configs extend configs in other folders."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from aiindex import run
from aiindex.analysis.calibrate import calibrate
from aiindex.analysis.scenarios import whatif
from aiindex.cli import main as cli_main
from aiindex.config import resolve_config
from aiindex.errors import ValidationError
from aiindex.yamlio import dump_yaml, load_yaml

FW = {"code": "Idx", "children": [
    {"code": "A", "children": [{"code": "m1"}, {"code": "m2"}]},
    {"code": "B", "children": [{"code": "m3"}, {"code": "m4"}, {"code": "m5"}]}]}
TRUE = {"A": 3.0, "B": 1.0, "m1": 2.0, "m2": 1.0, "m3": 1.0, "m4": 0.5, "m5": 1.5}


def _data(n: int = 62, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.uniform(0, 50, (n, 5)).round(2), columns=["m1", "m2", "m3", "m4", "m5"])
    X.insert(0, "uCode", [f"C{i:02d}" for i in range(n)])
    return X


@pytest.fixture()
def base(tmp_path):
    """A config and its data in ``base/``; published totals (a min-max rescaled weighted mean
    with other weights, to 2 decimals) in ``pub/``."""
    (tmp_path / "base").mkdir()
    (tmp_path / "pub").mkdir()
    _data().to_csv(tmp_path / "base" / "data.csv", index=False)
    cfg = {"name": "toy", "framework": FW, "data": {"file": "data.csv"},
           "normalize": {"method": "minmax", "low": 0, "high": 100}}
    dump_yaml(cfg, tmp_path / "base" / "cfg.yaml")
    true = run({**cfg, "weights": {"explicit": TRUE}, "rescale": {"method": "minmax"}},
               data=_data())
    pub = true.scores["Idx"].round(2)
    pd.DataFrame({"uCode": pub.index, "score": pub.to_numpy()}).to_csv(
        tmp_path / "pub" / "published.csv", index=False)
    return tmp_path, pub


def test_default_calibrate_finds_minmax_and_run_reproduces_published(base, capsys):
    """Done when: default options find the scale; `aiindex run` on --out reproduces the
    published totals to their rounding; `aiindex whatif BASE OVERLAY` takes it as is."""
    root, pub = base
    overlay = root / "fitted" / "overlay.yaml"  # another folder: extends across folders
    rc = cli_main(["calibrate", str(root / "base" / "cfg.yaml"), "--published",
                   str(root / "pub" / "published.csv"), "--out", str(overlay)])
    out = capsys.readouterr().out
    assert rc == 0
    assert "(least_squares, arithmetic mean, scale minmax)" in out
    assert "ARE consistent" in out
    ov = load_yaml(overlay)
    assert ov["extends"] == "../base/cfg.yaml"
    assert ov["rescale"] == {"method": "minmax", "low": 0.0, "high": 100.0}
    assert set(ov["weights"]) == {"explicit"}
    res = run(overlay)
    got = res.scores["Idx"].reindex(pub.index)
    assert np.abs(got - pub).max() <= 0.005 * 1.1  # the published figures' rounding
    assert (got.round(2) == pub).mean() >= 0.95
    assert got.max() == pytest.approx(100) and got.min() == pytest.approx(0)
    # the command line too
    assert cli_main(["run", str(overlay), "--top", "3"]) == 0
    assert "100.00" in capsys.readouterr().out
    # and as a what-if scenario against its base
    t = whatif(root / "base" / "cfg.yaml", [overlay])
    sc = t[t.scenario == "overlay"].set_index("uCode")["score"].reindex(pub.index)
    np.testing.assert_allclose(sc, got, atol=1e-9)
    assert cli_main(["whatif", str(root / "base" / "cfg.yaml"), str(overlay)]) == 0


def test_a_named_scale_that_fails_names_the_one_that_fits(base):
    root, pub = base
    r = calibrate(pub, config=root / "base" / "cfg.yaml", scale="none")
    assert not r.consistent and r.scale == "none"
    assert "It would fit with the weighted arithmetic mean with scale minmax" in r.statement
    t = r.scales_table().set_index(["aggregator", "scale"])
    assert t.loc[("arithmetic", "minmax"), "fits"]
    assert {"none", "leader", "minmax", "affine"} <= set(t.index.get_level_values("scale"))


@pytest.mark.parametrize(("scale", "section"), [
    ("leader", {"method": "leader", "value": 100}),
    ("affine", {"method": "affine", "slope": 1.7, "intercept": 12.0}),
    ("none", None)])
def test_overlay_reproduces_every_scale(tmp_path, scale, section):
    _data().to_csv(tmp_path / "data.csv", index=False)
    cfg = {"framework": FW, "data": {"file": "data.csv"},
           "normalize": {"method": "minmax", "low": 0, "high": 100}}
    dump_yaml(cfg, tmp_path / "cfg.yaml")
    over = {"weights": {"explicit": TRUE}} | ({"rescale": section} if section else {})
    pub = run({**cfg, **over}, data=_data()).scores["Idx"].round(3)
    r = calibrate(pub, config=tmp_path / "cfg.yaml")
    assert r.scale == scale and r.consistent
    r.to_yaml(tmp_path / "o.yaml")
    got = run(tmp_path / "o.yaml").scores["Idx"].reindex(pub.index)
    assert np.abs(got - pub).max() <= 0.0005 * 1.1 + 1e-9


def test_overlay_replaces_the_base_rescale_and_keeps_set_overrides(tmp_path, capsys):
    _data().to_csv(tmp_path / "data.csv", index=False)
    cfg = {"framework": FW, "data": {"file": "data.csv"}, "rescale": {"method": "minmax"},
           "normalize": {"method": "minmax", "low": 0, "high": 100}}
    dump_yaml(cfg, tmp_path / "cfg.yaml")
    plain = {k: v for k, v in cfg.items() if k != "rescale"}
    pub = run({**plain, "weights": {"explicit": TRUE}}, data=_data()).scores["Idx"].round(2)
    pd.DataFrame({"uCode": pub.index, "score": pub.to_numpy()}).to_csv(tmp_path / "p.csv",
                                                                       index=False)
    rc = cli_main(["calibrate", str(tmp_path / "cfg.yaml"), "--published", str(tmp_path / "p.csv"),
                   "--set", "name=renamed", "--out", str(tmp_path / "o.yaml")])
    assert rc == 0 and "scale none" in capsys.readouterr().out
    ov = load_yaml(tmp_path / "o.yaml")
    assert ov["rescale"] == {"method": "none"} and ov["name"] == "renamed"
    res = run(tmp_path / "o.yaml")  # the base's minmax parameters are dropped with its method
    assert res.config.rescale == {"method": "none"}
    assert np.abs(res.scores["Idx"].reindex(pub.index) - pub).max() <= 0.0055


def test_extends_across_folders_resolves_each_files_paths(tmp_path):
    (tmp_path / "a" / "data").mkdir(parents=True)
    (tmp_path / "b").mkdir()
    _data().to_csv(tmp_path / "a" / "data" / "d.csv", index=False)
    dump_yaml(FW, tmp_path / "a" / "tree.yaml")
    dump_yaml({"framework": {"file": "tree.yaml"}, "data": {"file": "data/d.csv"},
               "normalize": {"method": "minmax"}}, tmp_path / "a" / "cfg.yaml")
    dump_yaml({"extends": "../a/cfg.yaml", "name": "child", "aggregate": {"method": "arithmetic"}},
              tmp_path / "b" / "child.yaml")
    cfg = resolve_config(tmp_path / "b" / "child.yaml")
    assert cfg.path(cfg.data.file) == (tmp_path / "a" / "data" / "d.csv").resolve()
    res = run(tmp_path / "b" / "child.yaml")
    base = run(tmp_path / "a" / "cfg.yaml")
    pd.testing.assert_series_equal(res.scores["Idx"], base.scores["Idx"])
    # a grandchild elsewhere, overriding the data with a file of its own folder
    (tmp_path / "c").mkdir()
    _data(seed=3).to_csv(tmp_path / "c" / "other.csv", index=False)
    dump_yaml({"extends": os.path.relpath(tmp_path / "b" / "child.yaml", tmp_path / "c"),
               "data": {"file": "other.csv"}}, tmp_path / "c" / "g.yaml")
    g = resolve_config(tmp_path / "c" / "g.yaml")
    assert g.name == "child" and g.path(g.data.file) == (tmp_path / "c" / "other.csv").resolve()
    with pytest.raises(Exception, match="names no config file"):
        dump_yaml({"extends": "nope.yaml"}, tmp_path / "c" / "bad.yaml")
        resolve_config(tmp_path / "c" / "bad.yaml")


def test_config_weights_old_form_and_unknown_keys_are_errors():
    cfg = {"framework": FW, "weights": {"A": 2}}
    with pytest.raises(ValidationError, match=r"explicit: \{A: 2\}"):
        resolve_config(cfg)
    with pytest.raises(ValidationError, match="a weight must be a number"):
        resolve_config({"framework": FW, "weights": {"explicit": {"A": "two"}}})
    # with a method, node codes are caught when the framework is known (at run time)
    from aiindex.errors import ConfigError

    with pytest.raises((ConfigError, ValidationError),
                       match=r"nodes of the framework.*explicit: \{A: 2\}"):
        run({"framework": FW, "weights": {"method": "equal", "A": 2}}, data=_data())
    with pytest.raises((ConfigError, ValidationError), match="unknown parameter"):
        run({"framework": FW, "weights": {"method": "entropy", "cumulative_min": 1}},
            data=_data())


@pytest.mark.browser
def test_explorer_applies_the_overlay_rescale_and_downloads_the_new_dialect(base, tmp_path):
    """The weight explorer of a calibrated overlay shows the published totals (the rescale is
    applied in the page); its downloaded scenario (weights: explicit:) runs in whatif."""
    import shutil

    from aiindex.outputs.explorer import write_explorer

    chrome = shutil.which("chromium") or shutil.which("chromium-browser")
    if chrome is None:
        pytest.skip("headless chromium not installed")
    from test_explore import chromium, page_state

    root, pub = base
    r = calibrate(pd.read_csv(root / "pub" / "published.csv", index_col=0)["score"],
                  config=root / "base" / "cfg.yaml")
    overlay = root / "base" / "fitted.yaml"
    r.to_yaml(overlay)
    res = run(overlay)
    page = write_explorer(res, tmp_path / "e.html")
    st = page_state(chromium(page.as_uri() + "#weights=A:1", tmp_path, "--dump-dom"))
    st0 = page_state(chromium(page.as_uri(), tmp_path, "--dump-dom"))
    sc0 = pd.Series(st0["scores"], dtype=float).reindex(res.scores.index)
    np.testing.assert_allclose(sc0, res.scores["Idx"], atol=1e-9)  # rescaled, as the run
    assert sc0.max() == pytest.approx(100) and sc0.min() == pytest.approx(0)
    scen = tmp_path / "scenario.yaml"
    scen.write_text(st["scenario"])
    assert set(load_yaml(scen)["weights"]) == {"explicit"}
    t = whatif(overlay, [scen])
    got = t[t.scenario == "scenario"].set_index("uCode")["score"].reindex(res.scores.index)
    # the downloaded weights carry 6 significant digits
    np.testing.assert_allclose(got, pd.Series(st["scores"], dtype=float).reindex(got.index),
                               atol=1e-3)
