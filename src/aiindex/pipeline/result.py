"""The result of a run: every stage table, scores, ranks, tiers, logs and the config."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .._io import OutputDir
from .._version import __version__
from ..config import Config
from ..errors import ConfigError
from ..framework import Framework
from ..ranks import rank, rank_within
from ..yamlio import dump_yaml

__all__ = ["Result", "STAGE_TABLES"]

#: stage → name of its output table in ``Result.stages``
STAGE_TABLES = {
    "denominate": "denominated",
    "impute": "imputed",
    "screen": "screened",
    "treat": "treated",
    "normalize": "normalized",
    "aggregate": "aggregated",
}


def _version() -> str:
    return __version__


@dataclass
class Result:
    """Everything a run produced.

    Attributes
    ----------
    stages : dict[str, DataFrame]
        raw, denominated, imputed, screened, treated, normalized, aggregated (units × codes).
    scores : DataFrame
        Units × aggregate nodes (root included), framework order.
    ranks : DataFrame
        Ranks of ``scores`` (1 = best, min ties, ``Int64``).
    tiers : Series or None
        Tier per unit (1 = top) when the config has a ``tiers`` section.
    logs, info : dict
        Per-stage tidy logs (e.g. every imputed cell) and summaries (e.g. treatment table).
        ``info["data"]``: the data passed to :func:`~aiindex.pipeline.run` instead of the
        config's (absent when the config's own data were used).
    config : Config
        The resolved config.
    framework : Framework
        The framework actually used (with fitted weights, when a weights scheme ran).
    version : str
        aiindex version that produced the result.
    """

    config: Config
    framework: Framework
    stages: dict[str, pd.DataFrame]
    scores: pd.DataFrame
    ranks: pd.DataFrame
    logs: dict[str, pd.DataFrame] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    tiers: pd.Series | None = None
    names: pd.Series | None = None
    groups: pd.DataFrame | None = None
    year: int | None = None
    version: str = field(default_factory=_version)

    @property
    def index(self) -> pd.Series:
        """Scores of the root node."""
        return self.scores[self.framework.root]

    @property
    def effective_weights(self) -> pd.Series:
        """Effective weight of every node in the index."""
        return self.framework.effective_weights()

    def group_ranks(self, group: str) -> pd.DataFrame:
        """Ranks of ``scores`` within the unit groups of column ``group`` (e.g. an income group).

        Raises
        ------
        ConfigError
            If ``group`` is not a group column of the data.
        """

        if self.groups is None or group not in self.groups.columns:
            have = [] if self.groups is None else list(self.groups.columns)
            raise ConfigError(f"unknown group column {group!r}; group columns: {have}")
        return rank_within(self.scores, self.groups[group].reindex(self.scores.index))

    def metric_ranks(self) -> pd.DataFrame:
        """Ranks of the normalised metrics (1 = best)."""

        return rank(self.stages["normalized"])

    def table(self, columns: list[str] | None = None) -> pd.DataFrame:
        """A ranked table: rank, name, index score, tier, and the first-level dimensions."""
        root = self.framework.root
        cols = columns if columns is not None else self.framework.dimensions
        df = pd.DataFrame({"rank": self.ranks[root]})
        if self.names is not None:
            df["name"] = self.names.reindex(df.index)
        df[root] = self.scores[root]
        if self.tiers is not None:
            df["tier"] = self.tiers.reindex(df.index)
        for c in cols:
            if c != root:
                df[c] = self.scores[c] if c in self.scores else self.stages["normalized"][c]
        return df.sort_values(["rank", root], ascending=[True, False], na_position="last")

    def tidy(self) -> pd.DataFrame:
        """Long view: unit, year, node, level, score, rank[, tier] for metrics and aggregates."""
        allsc = self.stages["aggregated"]

        rk = rank(allsc)
        long = allsc.stack(future_stack=True).rename("score").reset_index()
        long.columns = ["uCode", "node", "score"]
        long["rank"] = rk.stack(future_stack=True).to_numpy()
        long["level"] = long["node"].map({c: n.level for c, n in self.framework.nodes.items()})
        long.insert(1, "year", self.year)
        if self.tiers is not None:
            long["tier"] = long["uCode"].map(self.tiers)
        return long[["uCode", "year", "node", "level", "score", "rank"]
                    + (["tier"] if self.tiers is not None else [])]

    def to_csv(self, directory: str | Path, *, command: str = "") -> list[Path]:
        """Write scores.csv, ranks.csv, tidy.csv, one CSV per stage, logs, weights, the config.

        The files appear together at the end, with ``manifest.json`` written last (see
        :class:`aiindex._io.OutputDir`); an interrupted call leaves no file under a final name.

        Parameters
        ----------
        directory
            Output folder: new, empty, or holding an earlier aiindex output (replaced).
        command
            Recorded in the manifest (the CLI passes the command line).

        Returns
        -------
        list of Path
            The files written, ``manifest.json`` last.
        """
        sc = self.scores.copy()
        rk = self.ranks.copy()
        if self.tiers is not None:
            sc["tier"] = self.tiers
            rk["tier"] = self.tiers
        ff = {"float_format": "%.17g"}
        with OutputDir(directory, command=command or "Result.to_csv",
                       config=self.config) as out:
            out.write_csv("scores.csv", sc.rename_axis("uCode"), **ff)
            out.write_csv("ranks.csv", rk.rename_axis("uCode"))
            out.write_csv("tidy.csv", self.tidy(), index=False, **ff)
            for k, v in self.stages.items():
                out.write_csv(f"stage_{k}.csv", v.rename_axis("uCode"), **ff)
            for k, v in self.logs.items():
                if isinstance(v, pd.DataFrame) and len(v):
                    out.write_csv(f"log_{k}.csv", v, index=False, **ff)
            if isinstance(self.info.get("treat", {}).get("treatment"), pd.DataFrame):
                out.write_csv("treatment.csv", self.info["treat"]["treatment"], **ff)
            ew = self.framework.nodes_frame()[["level", "parent", "weight", "local_weight",
                                               "effective_weight"]]
            out.write_csv("weights.csv", ew, **ff)
            if self.info.get("tiers") is not None and hasattr(self.info["tiers"], "breaks"):
                t = self.info["tiers"]
                out.write_csv("tier_breaks.csv", pd.DataFrame(
                    {"tier": range(1, len(t.breaks) + 1), "lower_bound": t.breaks}), index=False)
            out.write("config.yaml", lambda p: dump_yaml(
                {**self.config.to_dict(), "aiindex_version": self.version}, p))
        return out.paths

    def _summary_line(self) -> str:
        return (f"{self.config.name}: {len(self.scores)} units, {len(self.framework.metrics)} "
                f"metrics" + (f", year {self.year}" if self.year is not None else "")
                + (f", {self.tiers.nunique()} tiers" if self.tiers is not None else "")
                + f" (aiindex {self.version})")

    def _repr_html_(self) -> str:
        """The ranked table in a notebook: first and last rows, "… N more units" between them,
        and every unit in a collapsed section below (all text escaped)."""
        from .._repr import html_card, html_table

        return html_card(self._summary_line(), body=html_table(self.table(), what="units"))

    def __repr__(self) -> str:
        from .._repr import text_table

        return (f"Result({self._summary_line()})\n"
                + text_table(self.table(), what="units (result.table() has them all)"))
