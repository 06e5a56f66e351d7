"""Streaming the per-replication tables (design, scores, ranks) into an output folder.

The files are opened once, under the temporary names an :class:`aiindex._io.OutputDir` hands
out, filled chunk by chunk as replications are evaluated, and appear under their final names
(with ``manifest.json`` last) only when the whole analysis has finished; memory holds one chunk
at a time whatever the number of replications.

With ``pyarrow`` (``pip install 'aiindex[parquet]'``) tables are built column by column from
the arrays (a factor's labels as a dictionary of its alternatives, no Python string per row) and
written by Arrow's CSV or Parquet writer: numbers in their shortest form that reads back
exactly, text in quotes, ``nan`` for a missing score. Without it CSV is written by pandas
(``%.17g``, which also reads back exactly); Parquet needs ``pyarrow``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..._io import OutputDir
from ...errors import ConfigError
from .design import DesignArrays, DesignSpec

__all__ = ["Sink", "have_arrow"]


def have_arrow() -> bool:
    """Whether ``pyarrow`` can be imported."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


class Sink:
    """Streams design, scores and ranks into files of an :class:`OutputDir`.

    Parameters
    ----------
    out
        The open output folder.
    units
        Unit codes (columns of scores and ranks).
    fmt
        ``"csv"`` or ``"parquet"``.
    scores
        Also write ``scores`` and ``ranks``.

    Raises
    ------
    ConfigError
        ``fmt="parquet"`` without ``pyarrow``.
    """

    def __init__(self, out: OutputDir, units: pd.Index, fmt: str, scores: bool) -> None:
        self.units, self.fmt = [str(u) for u in units], fmt
        self.arrow = have_arrow()
        if fmt == "parquet" and not self.arrow:
            raise ConfigError("format 'parquet' needs pyarrow: pip install 'aiindex[parquet]' "
                              "(or use the default CSV)")
        ext = "parquet" if fmt == "parquet" else "csv"
        self.paths: dict[str, Path] = {}
        for name in ["design"] + (["scores", "ranks"] if scores else []):
            holder: list[Path] = []
            # OutputDir hands out the temporary path; the file is filled chunk by chunk and
            # moved under its final name when the folder is complete
            out.write(f"{name}.{ext}", holder.append)
            self.paths[name] = holder[0]
        self._handles: dict[str, Any] = {}

    # ------------------------------------------------------------------ tables
    def _design_table(self, spec: DesignSpec | None, arr: DesignArrays,
                      frame: pd.DataFrame) -> Any:
        import pyarrow as pa

        if spec is None:  # a user's design: its own columns and index
            df = frame.reset_index()
            return pa.Table.from_pandas(df, preserve_index=False)
        cols = [pa.array(np.arange(arr.start, arr.start + len(arr), dtype=np.int64))]
        names = ["replication"]
        d = 0
        for i, f in enumerate(spec.factors):
            if f.discrete:
                codes = arr.codes[:, d]
                d += 1
                cols.append(pa.array(codes) if f.type == "weight_sets" else
                            pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)),
                                                           pa.array(list(f.labels))))
                names.append(f.name)
            else:
                sl = spec.value_slice[i]
                for j, c in enumerate(f.columns()):
                    cols.append(pa.array(np.ascontiguousarray(arr.values[:, sl.start + j])))
                    names.append(c)
        return pa.Table.from_arrays(cols, names=names)

    def _table(self, values: np.ndarray, start: int) -> Any:
        import pyarrow as pa

        cols = [pa.array(np.arange(start, start + len(values), dtype=np.int64))]
        cols += [pa.array(np.ascontiguousarray(values[:, j])) for j in range(values.shape[1])]
        return pa.Table.from_arrays(cols, names=["replication", *self.units])

    # ------------------------------------------------------------------ writing
    def _append_arrow(self, name: str, table: Any) -> None:
        if name not in self._handles:
            if self.fmt == "parquet":
                import pyarrow.parquet as pq

                self._handles[name] = pq.ParquetWriter(self.paths[name], table.schema)
            else:
                import pyarrow.csv as pc

                self._handles[name] = pc.CSVWriter(
                    str(self.paths[name]), table.schema,
                    write_options=pc.WriteOptions(quoting_style="needed"))
        self._handles[name].write_table(table)

    def _append_pandas(self, name: str, df: pd.DataFrame) -> None:
        first = name not in self._handles
        if first:
            self._handles[name] = open(self.paths[name], "w", encoding="utf-8", newline="")
        df.to_csv(self._handles[name], header=first, float_format="%.17g")

    def write(self, spec: DesignSpec | None, arr: DesignArrays, frame: Any,
              res: Mapping[str, np.ndarray]) -> None:
        """Append one chunk: its design (``frame()`` gives the DataFrame when needed) and, when
        written, its scores and ranks.

        Parameters
        ----------
        spec
            The design's spec for a sampled design, ``None`` for a user's design.
        arr
            The chunk's design arrays.
        frame
            A callable returning the chunk's design DataFrame.
        res
            The chunk's ``scores`` and ``ranks``.
        """
        if self.arrow:
            self._append_arrow("design", self._design_table(spec, arr,
                                                            frame() if spec is None else None))
        else:
            self._append_pandas("design", frame())
        for name in ("scores", "ranks"):
            if name not in self.paths:
                continue
            if self.arrow:
                self._append_arrow(name, self._table(res[name], arr.start))
            else:
                idx = pd.RangeIndex(arr.start, arr.start + len(arr), name="replication")
                self._append_pandas(name, pd.DataFrame(res[name], index=idx,
                                                       columns=self.units))

    def close(self) -> None:
        """Close the files (before the folder is finished)."""
        for h in self._handles.values():
            h.close()
        self._handles = {}
