"""Compare the scores and ranks of two or more results (COINr ``compare_coins``,
``compare_coins_multi``).

A source is any of

* a :class:`~aiindex.pipeline.Result`;
* a config: a YAML file with ``framework`` or ``extends``, the name of a bundled config,
  ``"default"`` (the bundled default), a mapping with ``framework``/``extends``, or a ``Config``
  — it is run;
* a scenario: any other YAML file or mapping (an overlay, see
  :mod:`aiindex.analysis.scenarios`) — it is applied to the base config (``config=``, else the
  first config among the sources, else the bundled default) and run;
* a saved output folder written by ``aiindex run --out`` / ``Result.to_csv`` (its
  ``scores.csv`` and ``ranks.csv``; its ``weights.csv`` gives the levels and the root; the
  folder's ``manifest.json`` must mark a complete output).

:func:`compare` aligns them by unit code and node. The first source is the base (``base=``
changes it). For every other source, unit and node: ``score_change = score - base_score`` and
``rank_change = base_rank - rank`` (positive = the unit moved up; the sign of
:func:`aiindex.analysis.scenarios.whatif` and the trends; COINr's ``Diff`` is base − other for
ranks and scores alike). Ranks are each source's own ranks (1 = best, ties share the lowest
rank), so a unit present in one source only shifts the others' ranks; COINr re-ranks the merged
table instead. Per node: the Spearman and Kendall (tau-b) rank correlations of the scores over
the units scored in both, the mean and largest absolute rank change, and the units present in
one source only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import _progress
from ..config import Config, resolve_config
from ..errors import ConfigError, DataError
from ..pipeline import Result, run
from .scenarios import load_scenario, run_scenario

__all__ = ["Comparison", "Loaded", "compare", "load_source"]

#: keys that make a YAML file or mapping a config rather than a scenario
CONFIG_KEYS = ("framework", "extends")


@dataclass
class Loaded:
    """Scores and ranks of one source, aligned by unit code (index) and node (columns)."""

    name: str
    scores: pd.DataFrame
    ranks: pd.DataFrame
    root: str
    levels: dict[str, int] = field(default_factory=dict)
    kind: str = "result"


# ----------------------------------------------------------------------------- loading
def _from_result(res: Result, name: str, kind: str = "result") -> Loaded:
    fw = res.framework
    return Loaded(name, res.scores.astype("float64"), res.ranks.astype("Float64"), fw.root,
                  {c: int(n.level or 0) for c, n in fw.nodes.items()}, kind)


def _read_table(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, index_col=0, keep_default_na=False, na_values=[""])
    df.index = df.index.astype(str)
    return df.drop(columns=[c for c in ("tier",) if c in df.columns])


def _from_folder(folder: Path, name: str) -> Loaded:
    from .._io import read_manifest

    read_manifest(folder)
    missing = [f for f in ("scores.csv", "ranks.csv") if not (folder / f).exists()]
    if missing:
        raise DataError(f"compare: output folder {folder} has no {missing} (written by "
                        "`aiindex run --out`)")
    scores = _read_table(folder / "scores.csv").astype("float64")
    ranks = _read_table(folder / "ranks.csv").astype("Float64")
    levels: dict[str, int] = {}
    root = str(scores.columns[0])
    if (folder / "weights.csv").exists():
        w = pd.read_csv(folder / "weights.csv", index_col=0)
        levels = {str(c): int(v) for c, v in w["level"].items()}
        tops = [c for c in scores.columns if c in levels
                and levels[c] == max(levels[k] for k in scores.columns if k in levels)]
        root = str(tops[0]) if tops else root
    return Loaded(name, scores, ranks, root, levels, "folder")


def _is_config_mapping(m: Mapping[str, Any]) -> bool:
    return any(k in m for k in CONFIG_KEYS)


def _classify(src: Any) -> tuple[str, Any]:
    """``("result" | "folder" | "config" | "scenario", value)`` for one source."""
    if isinstance(src, Result):
        return "result", src
    if isinstance(src, Config):
        return "config", src
    if isinstance(src, Mapping):
        return ("config" if _is_config_mapping(src) else "scenario"), src
    from ..data.bundled import BUNDLED_CONFIGS, bundled_config, default_config_path

    text = str(src)
    p = Path(text)
    if p.is_dir():
        return "folder", p
    if p.is_file():
        if p.suffix.lower() not in (".yaml", ".yml"):
            raise ConfigError(f"compare: {text} is neither a YAML config/scenario nor an output "
                              "folder")
        from ..yamlio import load_yaml

        raw = load_yaml(p)
        if not isinstance(raw, Mapping):
            raise ConfigError(f"compare: {text} does not hold a YAML mapping")
        return ("config" if _is_config_mapping(raw) else "scenario"), p
    if text == "default":
        return "config", default_config_path()
    if text in BUNDLED_CONFIGS:
        return "config", bundled_config(text)
    raise ConfigError(f"compare: {text!r} is not a file, an output folder or a bundled config "
                      f"({['default', *sorted(BUNDLED_CONFIGS)]})")


def _default_name(kind: str, value: Any, i: int) -> str:
    if kind == "result":
        src_file = getattr(value.config, "source_file", None)
        return Path(src_file).stem if src_file else str(value.config.name or f"result{i + 1}")
    if kind in ("folder", "config") and isinstance(value, Path):
        return value.name if kind == "folder" else value.stem
    if kind == "scenario":
        return str(load_scenario(value, default_name=f"scenario{i + 1}")["name"])
    if kind == "config" and isinstance(value, Config | Mapping):
        name = value.name if isinstance(value, Config) else value.get("name")
        return str(name or f"config{i + 1}")
    return f"source{i + 1}"


def load_source(src: Any, *, name: str | None = None, config: Any = None, data: Any = None,
                overrides: Mapping[str, Any] | None = None) -> Loaded:
    """Scores and ranks of one source (see the module docstring); configs and scenarios run.

    Parameters
    ----------
    src
        The source.
    name
        Its label (default: the config's or scenario's name, the file stem, the folder name).
    config
        Base config of a scenario (default: the bundled default).
    data, overrides
        Passed to the run of a config or scenario.
    """
    kind, value = _classify(src)
    label = name or _default_name(kind, value, 0)
    if kind == "result":
        return _from_result(value, label)
    if kind == "folder":
        return _from_folder(value, label)
    if kind == "config":
        return _from_result(run(value, data=data, overrides=overrides), label, "config")
    from ..data.bundled import default_config_path

    base = resolve_config(config if config is not None else default_config_path(), overrides)
    sc = load_scenario(value, default_name=label)
    sc["name"] = label
    return _from_result(run_scenario(base, sc, data=data), label, "scenario")


def _load_all(sources: Sequence[Any], names: Sequence[str] | None, config: Any, data: Any,
              overrides: Mapping[str, Any] | None) -> list[Loaded]:
    classified = [_classify(s) for s in sources]
    if config is None:  # the base config of scenarios: the first config among the sources
        config = next((v for k, v in classified if k == "config"), None)
    if names is not None and len(names) != len(sources):
        raise ConfigError(f"compare: {len(names)} name(s) for {len(sources)} sources")
    labels = list(names) if names is not None else [
        _default_name(k, v, i) for i, (k, v) in enumerate(classified)]
    seen: dict[str, int] = {}
    for i, lab in enumerate(labels):  # de-duplicate: "asem", "asem#2"
        seen[lab] = seen.get(lab, 0) + 1
        if seen[lab] > 1:
            labels[i] = f"{lab}#{seen[lab]}"
    out = []
    with _progress.step("sources", total=len(sources)) as advance:
        for src, lab in zip(sources, labels, strict=True):
            out.append(load_source(src, name=lab, config=config, data=data,
                                   overrides=overrides))
            advance()
    return out


# ----------------------------------------------------------------------------- comparing
@dataclass
class Comparison:
    """Two or more results aligned by unit and node (see :func:`compare`).

    Attributes
    ----------
    names : list[str]
        Source labels, the base first.
    base : str
    root : str
        The base's root node (the default ``node`` of :meth:`movers_at`).
    nodes : list[str]
        Nodes compared (scored in every source).
    scores : DataFrame
        Long: ``source, uCode, node, score, rank``.
    differences : DataFrame
        One row per other source, unit and node: ``source, uCode, node, base_score, score,
        score_change`` (``score - base_score``), ``base_rank, rank, rank_change``
        (``base_rank - rank``: positive = moved up), ``abs_rank_change``; ``<NA>`` for a unit
        scored in one of the two only.
    correlations : DataFrame
        One row per other source and node: ``source, node, n_common, spearman, kendall,
        mean_abs_rank_change, max_abs_rank_change, n_only_base, n_only_source, note``.
    movers : DataFrame
        Per other source, the ``top`` units whose rank changed most at the root (rows of
        ``differences``; units that did not move are left out).
    """

    names: list[str]
    base: str
    root: str
    nodes: list[str]
    scores: pd.DataFrame
    differences: pd.DataFrame
    correlations: pd.DataFrame
    movers: pd.DataFrame
    info: dict[str, Any] = field(default_factory=dict)

    def wide(self, value: str = "rank", node: str | None = None) -> pd.DataFrame:
        """Units × sources (COINr ``compare_coins_multi``): ``value`` = ``"score"``, ``"rank"``,
        ``"rank_change"`` or ``"score_change"`` (the base column is then 0), sorted by the base
        rank."""
        node = node or self.root
        if value in ("score", "rank"):
            t = self.scores[self.scores["node"] == node].pivot(index="uCode", columns="source",
                                                               values=value)
        elif value in ("rank_change", "score_change"):
            d = self.differences[self.differences["node"] == node]
            t = d.pivot(index="uCode", columns="source", values=value)
            t.insert(0, self.base, 0)
        else:
            raise ConfigError(f"Comparison.wide: value must be score, rank, rank_change or "
                              f"score_change, got {value!r}")
        ranks = self.scores[(self.scores["node"] == node) & (self.scores["source"] == self.base)]
        order = ranks.set_index("uCode")["rank"].reindex(t.index).astype("Float64")
        t = t.loc[order.sort_values(na_position="last").index]
        return t[[n for n in self.names if n in t.columns]]

    def movers_at(self, node: str | None = None, top: int = 10) -> pd.DataFrame:
        """The ``top`` biggest movers of each other source at ``node`` (default the root)."""
        return _movers(self.differences, node or self.root, top)

    def summary(self) -> str:
        """One line per other source at the root."""
        c = self.correlations[self.correlations["node"] == self.root]
        lines = []
        for _, r in c.iterrows():
            lines.append(
                f"{r['source']} vs {self.base} ({self.root}): {int(r['n_common'])} common units, "
                f"Spearman {r['spearman']:.3f}, Kendall {r['kendall']:.3f}, mean |rank change| "
                f"{r['mean_abs_rank_change']:.2f} (max {r['max_abs_rank_change']:.0f})"
                + (f"; only in {self.base}: {int(r['n_only_base'])}" if r["n_only_base"] else "")
                + (f"; only in {r['source']}: {int(r['n_only_source'])}"
                   if r["n_only_source"] else ""))
        return "\n".join(lines)

    def to_csv(self, directory: str | Path, *, command: str = "") -> list[Path]:
        """Write compare_scores.csv, compare_differences.csv, compare_correlations.csv and
        compare_movers.csv through :class:`aiindex._io.OutputDir` (manifest last)."""
        from .._io import OutputDir

        ff = {"index": False, "float_format": "%.17g"}
        with OutputDir(directory, command=command or "aiindex.analysis.compare.compare",
                       extra={"sources": self.names, "base": self.base}) as out:
            out.write_csv("compare_scores.csv", self.scores, **ff)
            out.write_csv("compare_differences.csv", self.differences, **ff)
            out.write_csv("compare_correlations.csv", self.correlations, **ff)
            out.write_csv("compare_movers.csv", self.movers, **ff)
        return out.paths


def _long(src: Loaded, nodes: list[str]) -> pd.DataFrame:
    s = src.scores[nodes].rename_axis("uCode").reset_index().melt(
        id_vars="uCode", var_name="node", value_name="score")
    r = src.ranks.reindex(columns=nodes).rename_axis("uCode").reset_index().melt(
        id_vars="uCode", var_name="node", value_name="rank")
    out = s.merge(r, on=["uCode", "node"], how="left")
    out.insert(0, "source", src.name)
    out["rank"] = out["rank"].astype("Int64")
    return out


def _differences(base: pd.DataFrame, other: pd.DataFrame) -> pd.DataFrame:
    m = base.drop(columns="source").merge(other.drop(columns="source"), on=["uCode", "node"],
                                          how="outer", suffixes=("_b", ""))
    m = m.rename(columns={"score_b": "base_score", "rank_b": "base_rank"})
    m.insert(0, "source", other["source"].iloc[0] if len(other) else "")
    m["score_change"] = m["score"] - m["base_score"]
    m["rank_change"] = (m["base_rank"].astype("Int64") - m["rank"].astype("Int64"))
    m["abs_rank_change"] = m["rank_change"].abs()
    return m[["source", "uCode", "node", "base_score", "score", "score_change", "base_rank",
              "rank", "rank_change", "abs_rank_change"]]


def _correlations(d: pd.DataFrame, nodes: list[str]) -> pd.DataFrame:
    from scipy import stats

    rows = []
    for node in nodes:  # loop over nodes (few), each one vectorised over units
        g = d[d["node"] == node]
        both = g["base_score"].notna() & g["score"].notna()
        x, y = g.loc[both, "base_score"].to_numpy(float), g.loc[both, "score"].to_numpy(float)
        n, note = int(both.sum()), ""
        rho = tau = np.nan
        if n < 3:
            note = f"{n} common unit(s): no rank correlation"
        elif np.ptp(x) == 0 or np.ptp(y) == 0:
            note = "constant scores in one source: no rank correlation"
        else:
            rho, tau = float(stats.spearmanr(x, y)[0]), float(stats.kendalltau(x, y)[0])
        ch = g["abs_rank_change"].astype("Float64")
        rows.append({"source": g["source"].iloc[0], "node": node, "n_common": n,
                     "spearman": rho, "kendall": tau,
                     "mean_abs_rank_change": float(ch.mean()) if ch.notna().any() else np.nan,
                     "max_abs_rank_change": float(ch.max()) if ch.notna().any() else np.nan,
                     "n_only_base": int((g["base_score"].notna() & g["score"].isna()).sum()),
                     "n_only_source": int((g["score"].notna() & g["base_score"].isna()).sum()),
                     "note": note})
    return pd.DataFrame(rows)


def _movers(diff: pd.DataFrame, node: str, top: int) -> pd.DataFrame:
    """Units whose rank changed, the largest changes first (ties: better base rank first),
    ``top`` per source, sources in their order."""
    d = diff[(diff["node"] == node) & (diff["abs_rank_change"].astype("Float64") > 0)
             .fillna(False)]
    order = {s: i for i, s in enumerate(dict.fromkeys(diff["source"]))}
    d = d.assign(_src=d["source"].map(order), _abs=d["abs_rank_change"].astype("float64"),
                 _base=d["base_rank"].astype("float64"))
    d = d.sort_values(["_src", "_abs", "_base"], ascending=[True, False, True], kind="stable")
    return d.groupby("_src", sort=False).head(int(top)).drop(columns=["_src", "_abs", "_base"]) \
        .reset_index(drop=True)


def compare(*sources: Any, names: Sequence[str] | None = None, base: int | str = 0,
            nodes: Sequence[str] | None = None, top: int = 10, config: Any = None,
            data: Any = None, overrides: Mapping[str, Any] | None = None) -> Comparison:
    """Align two or more results and give score and rank differences (see the module docstring).

    Parameters
    ----------
    *sources
        Results, configs, scenarios or output folders (at least two).
    names
        Labels, one per source (default: config/scenario names, file stems, folder names).
    base
        The base source: an index into ``sources`` or a label (default the first).
    nodes
        Nodes to compare (default: every node scored in all sources, the base's order).
    top
        Movers kept per source (at the root).
    config
        Base config of scenario sources (default: the first config source, else the bundled
        default).
    data, overrides
        Passed to every config and scenario run.

    Returns
    -------
    Comparison
        Scores and ranks of every source (tidy), differences from the base, rank correlations
        and the biggest movers; ``to_csv`` writes them.

    Raises
    ------
    ConfigError
        Fewer than two sources, an unknown base or node, or a source that cannot be read.
    DataError
        No node or unit in common.
    """
    if len(sources) < 2:
        raise ConfigError(f"compare needs at least two sources, got {len(sources)}")
    loaded = _load_all(sources, names, config, data, overrides)
    labels = [s.name for s in loaded]
    b = labels.index(base) if isinstance(base, str) and base in labels else base
    if not isinstance(b, int) or not 0 <= b < len(loaded):
        raise ConfigError(f"compare: unknown base {base!r}; sources: {labels}")
    loaded = [loaded[b]] + [s for i, s in enumerate(loaded) if i != b]
    common = [c for c in loaded[0].scores.columns
              if all(c in s.scores.columns for s in loaded[1:])]
    if nodes is not None:
        bad = [n for n in nodes if n not in common]
        if bad:
            raise ConfigError(f"compare: node(s) {bad} not scored in every source; common "
                              f"nodes: {common}")
        common = list(nodes)
    if not common:
        raise DataError(f"compare: the sources share no scored node ({labels})")
    longs = [_long(s, common) for s in loaded]
    diffs = pd.concat([_differences(longs[0], o) for o in longs[1:]], ignore_index=True)
    if not diffs["base_score"].notna().any() or not diffs["score"].notna().any():
        raise DataError("compare: no unit is scored in both the base and another source")
    corr = pd.concat([_correlations(diffs[diffs["source"] == s.name], common)
                      for s in loaded[1:]], ignore_index=True)
    root = loaded[0].root if loaded[0].root in common else common[0]
    return Comparison([s.name for s in loaded], loaded[0].name, root, common,
                      pd.concat(longs, ignore_index=True), diffs, corr,
                      _movers(diffs, root, top),
                      {"kinds": {s.name: s.kind for s in loaded}, "top": int(top)})
