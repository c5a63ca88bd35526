"""The OPERATIONS config section: defaults in code, overrides validated with one clear line."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from searxng_cool.config import DEFAULT_CONFIG_PATH, OPERATIONS_DEFAULTS, _operations, load_settings
from searxng_cool.errors import ConfigError

DATABASE = "DATABASE:\n  SQLALCHEMY_DATABASE_URI: postgresql://u@h/d\n"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "orchestrator.yml"
    path.write_text(DATABASE + body)
    return path


def test_the_shipped_file_gets_the_spec_thresholds_by_default() -> None:
    ops = load_settings(DEFAULT_CONFIG_PATH, environ={}).operations
    assert ops["SLOW_QUERY_MS"] == 100
    assert ops["INDEX_USAGE_MIN_RATIO"] == 0.90
    assert ops["DEAD_TUPLE_MAX_RATIO"] == 0.20
    assert dict(ops.values) == OPERATIONS_DEFAULTS


def test_a_threshold_can_be_set_in_the_file_and_from_the_environment(tmp_path: Path) -> None:
    path = write(
        tmp_path, "OPERATIONS:\n  SLOW_QUERY_MS: ${SLOW_MS:-250}\n  LOCK_TIMEOUT_MS: 2000\n"
    )
    assert load_settings(path, environ={}).operations["SLOW_QUERY_MS"] == 250
    assert load_settings(path, environ={"SLOW_MS": "40"}).operations["SLOW_QUERY_MS"] == 40
    assert load_settings(path, environ={}).operations["LOCK_TIMEOUT_MS"] == 2000


def test_an_unknown_operations_key_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown key OPERATIONS\.SLOW_MS"):
        load_settings(write(tmp_path, "OPERATIONS:\n  SLOW_MS: 3\n"), environ={})


def test_a_ratio_above_one_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="between 0 and 1"):
        load_settings(write(tmp_path, "OPERATIONS:\n  DEAD_TUPLE_MAX_RATIO: 20\n"), environ={})


@given(
    st.one_of(
        st.text(max_size=20),
        st.booleans(),
        st.lists(st.integers(), max_size=2),
        st.integers(max_value=-1),
    )
)
def test_any_non_number_or_negative_value_is_refused_with_the_key(value: object) -> None:
    if isinstance(value, str):
        assume(not _is_valid_number_text(value))
    with pytest.raises(ConfigError, match=r"OPERATIONS\.SLOW_QUERY_MS"):
        _operations({"SLOW_QUERY_MS": value})


def _is_valid_number_text(value: str) -> bool:
    try:
        number = float(value)
    except ValueError:
        return False
    return math.isfinite(number) and number >= 0


def test_nan_and_infinity_are_refused() -> None:
    for value in ("nan", "inf", float("inf")):
        with pytest.raises(ConfigError, match="must be a number >= 0"):
            _operations({"LOCK_TIMEOUT_MS": value})
