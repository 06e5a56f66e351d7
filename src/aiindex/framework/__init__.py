"""The indicator tree: nodes, validation, YAML and COINr ``iMeta`` table I/O, effective weights.

>>> from aiindex.framework import Framework
>>> fw = Framework.from_yaml("framework.yaml")
>>> fw.effective_weights()[fw.metrics]
"""

from __future__ import annotations

from .tree import IMETA_COLUMNS, Framework, Node

__all__ = ["IMETA_COLUMNS", "Framework", "Node"]
