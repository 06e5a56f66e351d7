"""Data readers (wide, long, CSV, Excel, DataFrame, the GII panel) and the bundled datasets.

>>> from aiindex.data import load_data
>>> ds = load_data("iData.csv", framework)      # every problem reported at once
"""

from __future__ import annotations

from .bundled import BUNDLED_CONFIGS, bundled_config, bundled_data_dir, default_config_path
from .readers import MISSING_STRINGS, Dataset, load_data, read_table

__all__ = [
    "BUNDLED_CONFIGS",
    "MISSING_STRINGS",
    "Dataset",
    "bundled_config",
    "bundled_data_dir",
    "default_config_path",
    "load_data",
    "read_table",
]
