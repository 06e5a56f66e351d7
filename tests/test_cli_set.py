"""``--set`` with a key given both a value and sub-keys is a clear error naming the key."""

from __future__ import annotations

import pytest

from aiindex.cli import main
from aiindex.cli._common import parse_set
from aiindex.errors import AIIndexError


@pytest.mark.parametrize("items", [["normalize=minmax", "normalize.high=10"],
                                   ["normalize.high=10", "normalize=minmax"],
                                   ["a.b=1", "a.b.c=2"]])
def test_value_and_sub_keys_clash(items) -> None:
    with pytest.raises(AIIndexError, match=r"normalize|a\.b"):
        parse_set(items)


def test_sub_keys_merge_and_later_values_win() -> None:
    assert parse_set(["normalize.method=minmax", "normalize.high=10", "a=1", "a=2"]) == \
        {"normalize": {"method": "minmax", "high": 10}, "a": 2}
    assert parse_set(["normalize={method: minmax}", "normalize.high=10"]) == \
        {"normalize": {"method": "minmax", "high": 10}}


def test_cli_clash_is_a_usage_error_not_an_internal_error(capsys) -> None:
    code = main(["run", "--set", "normalize=minmax", "--set", "normalize.high=10"])
    err = capsys.readouterr().err
    assert code != 0 and "internal error" not in err and "normalize" in err
