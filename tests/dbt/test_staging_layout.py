"""Guard: every staging model has its own yml, a description starting "One row per", and a tested key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

STAGING_DIR = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "staging" / "legacy_4d"
MODELS = sorted(path.stem for path in STAGING_DIR.glob("*.sql"))
BANNERS = ("---- ids", "---- system")


def _model_yml(name: str) -> dict:
    path = STAGING_DIR / f"{name}.yml"
    assert path.is_file(), f"{name}.sql has no {name}.yml next to it"
    [model] = yaml.safe_load(path.read_text())["models"]
    assert model["name"] == name
    return model


def _test_names(entries: list) -> set[str]:
    return {entry if isinstance(entry, str) else next(iter(entry)) for entry in entries or []}


def test_there_is_one_staging_model_per_raw_table() -> None:
    assert len(MODELS) == 18


@pytest.mark.parametrize("name", MODELS)
def test_model_yml_describes_the_grain_and_tests_the_key(name: str) -> None:
    model = _model_yml(name)
    assert model["description"].strip().startswith("One row per "), name
    columns = {column["name"]: column for column in model["columns"]}
    assert {"unique", "not_null"} <= _test_names(columns["legacy_key"].get("data_tests")), name
    undocumented = [column for column, spec in columns.items() if not str(spec.get("description", "")).strip()]
    assert undocumented == [], name
    assert model.get("unit_tests") is None  # unit tests live at the file's top level, not under the model


@pytest.mark.parametrize("name", MODELS)
def test_model_has_a_unit_test_and_the_staging_sql_shape(name: str) -> None:
    document = yaml.safe_load((STAGING_DIR / f"{name}.yml").read_text())
    assert any(test["model"] == name for test in document.get("unit_tests", [])), f"{name} has no unit test"
    sql = (STAGING_DIR / f"{name}.sql").read_text()
    assert re.search(r"^with\s+source as \(.*^renamed as \(", sql, re.S | re.M), name
    assert sql.rstrip().endswith("select * from renamed"), name
    assert all(banner in sql for banner in BANNERS), name
    assert "join" not in sql.lower() and "group by" not in sql.lower(), f"{name}: staging neither joins nor aggregates"
