"""Guard (STYLE §3.3, §3.5, §3.8): the dbt project's layout, read from the manifest ``dbt parse`` writes.

Folder = layer = name prefix; only staging reads sources; every model is described and has a tested key; the
pyERP marts are exactly the entities publish writes (flows/entities.py), built as merge models with enforced
contracts in the schema publish reads, and exactly the models the ``pyerp`` exposure declares.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from extract.tables import TABLES
from flows.database import tool_environment
from flows.dbt_runner import invoke_dbt
from flows.entities import ENTITIES, with_dependencies
from flows.publish import MARTS_SCHEMA
from flows.run import endpoints_feeding
from flows.settings import DBT_PROJECT_DIR, Settings

ENTITY_TABLES = {e.table for e in ENTITIES}
PREFIX_BY_FOLDER = {"staging": "stg_", "intermediate": "int_", "marts/sync": "sync_"}
KEY_TESTS = {"unique", "unique_combination_of_columns"}
# Models that have no key test, each with why (the reason is the model's own yml description).
WITHOUT_KEY_TEST = {
    "sync_rejects": "a view over every validated model: a test on it recomputes them all; their own tests cover it",
}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """``dbt parse`` in-process, into a temporary target folder (the project's own target/ is left alone)."""
    folder = tmp_path_factory.mktemp("dbt-parse")
    settings = Settings(
        database_url=None, target_schema="pyerp", home=folder / "home", legacy_url=None, legacy_username=None
    )
    env = tool_environment("postgresql://parse@127.0.0.1:5432/parse", settings)  # parse never connects
    target, logs = str(folder / "target"), str(folder / "logs")
    result = invoke_dbt(["--quiet", "parse", "--no-partial-parse", "--target-path", target, "--log-path", logs], env)
    assert result.success, result.exception
    return json.loads((folder / "target" / "manifest.json").read_text())


@pytest.fixture(scope="module")
def models(manifest: dict) -> dict[str, dict]:
    return {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}


def folder_of(model: dict) -> str:
    """``models/marts/pyerp/x.sql`` → ``marts/pyerp``; ``models/staging/legacy_4d/x.sql`` → ``staging``."""
    parts = Path(model["original_file_path"]).parts[1:-1]
    return "/".join(parts[:2]) if parts[0] == "marts" else parts[0]


def attached_tests(manifest: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node.get("attached_node"):
            found.setdefault(node["attached_node"].rsplit(".", 1)[-1], []).append(node)
    return found


def key_tests(tests: list[dict], model: dict | None = None) -> list[tuple[str, ...]]:
    """The keys a model's tests prove: columns with an error-severity uniqueness test whose columns are all
    tested not null, or declared not null in the model's enforced contract (a warning or a filtered uniqueness
    test proves nothing about every row)."""
    generic = [(t["test_metadata"]["name"], t) for t in tests if t.get("test_metadata")]
    proven = [t for _, t in generic if t["config"]["severity"].lower() == "error" and not t["config"]["where"]]
    not_null = {t["column_name"] for name, t in generic if name == "not_null" and t in proven}
    if model and model["config"].get("contract", {}).get("enforced"):
        not_null |= {
            name
            for name, column in model["columns"].items()
            if any(c["type"] == "not_null" for c in column.get("constraints", []))
        }
    keys = []
    for name, test in generic:
        if name not in KEY_TESTS or test not in proven:
            continue
        if name == "unique":
            columns = (test["column_name"],)
        else:
            columns = tuple(test["test_metadata"]["kwargs"]["combination_of_columns"])
        if set(columns) <= not_null:
            keys.append(columns)
    return keys


def test_the_project_has_every_layer(models: dict[str, dict]) -> None:
    folders = {folder_of(m) for m in models.values()}
    assert folders == {"staging", "intermediate", "marts/pyerp", "marts/sync"}


def test_each_model_name_starts_with_its_folders_prefix(models: dict[str, dict]) -> None:
    wrong = {
        name: folder_of(model)
        for name, model in models.items()
        if folder_of(model) in PREFIX_BY_FOLDER and not name.startswith(PREFIX_BY_FOLDER[folder_of(model)])
    }
    assert wrong == {}
    misplaced = {
        name: folder_of(model)
        for name, model in models.items()
        for folder, prefix in PREFIX_BY_FOLDER.items()
        if name.startswith(prefix) and folder_of(model) != folder
    }
    assert misplaced == {}


def test_the_pyerp_marts_are_the_entities_publish_writes(models: dict[str, dict]) -> None:
    marts = {name for name, model in models.items() if folder_of(model) == "marts/pyerp"}
    assert len(ENTITY_TABLES) == 21
    assert marts == ENTITY_TABLES
    # publish reads legacy_marts.<entity table>: that is the relation each mart builds
    assert {(models[t]["schema"], models[t]["alias"]) for t in ENTITY_TABLES} == {
        (MARTS_SCHEMA, t) for t in ENTITY_TABLES
    }


def test_only_staging_reads_sources(models: dict[str, dict]) -> None:
    readers = {name for name, model in models.items() if model["sources"]}
    staging = {name for name, model in models.items() if folder_of(model) == "staging"}
    assert readers == staging
    assert all(len(models[name]["sources"]) == 1 for name in staging), "staging is 1:1 with a source table"


def test_every_model_has_a_description(models: dict[str, dict]) -> None:
    assert [name for name, model in models.items() if not model["description"].strip()] == []


def test_every_model_has_a_tested_key(manifest: dict, models: dict[str, dict]) -> None:
    tests = attached_tests(manifest)
    without = sorted(
        name for name in models if name not in WITHOUT_KEY_TEST and not key_tests(tests.get(name, []), models[name])
    )
    assert without == []
    for name in WITHOUT_KEY_TEST:  # the exceptions are real, and still have no key test
        assert name in models and not key_tests(tests.get(name, []), models[name]), name


def test_pyerp_marts_are_merge_models_with_enforced_contracts(models: dict[str, dict]) -> None:
    for table in sorted(ENTITY_TABLES):
        config = models[table]["config"]
        assert config["materialized"] == "incremental", table
        assert config["incremental_strategy"] == "merge", table
        assert config["unique_key"], table
        assert config["contract"]["enforced"], table
        columns = models[table]["columns"]
        assert columns and all(c.get("data_type") for c in columns.values()), f"{table}: contract needs types"


def test_the_exposure_declares_exactly_the_published_marts(manifest: dict) -> None:
    (exposure,) = [e for e in manifest["exposures"].values() if e["name"] == "pyerp"]
    declared = [node.rsplit(".", 1)[-1] for node in exposure["depends_on"]["nodes"]]
    assert len(declared) == len(set(declared))
    assert set(declared) == ENTITY_TABLES


def test_the_rejects_model_covers_every_entity() -> None:
    """sync_rejects unions one validated model per entity listed in the project var ``pyerp_entities``."""
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    listed = project["vars"]["pyerp_entities"]
    assert len(listed) == len(set(listed))
    assert set(listed) == ENTITY_TABLES


def test_the_rejects_model_reads_one_validated_model_per_entity(models: dict[str, dict]) -> None:
    parents = {node.rsplit(".", 1)[-1] for node in models["sync_rejects"]["depends_on"]["nodes"]}
    assert parents == {f"int_{table}_validated" for table in ENTITY_TABLES}


def test_a_run_limited_to_one_entity_extracts_every_4d_table_its_models_read(manifest: dict) -> None:
    """``run --only E`` extracts the tables ``extract/tables.py`` says feed E and its references; dbt then builds
    ``+E``. Any 4D table upstream of E's mart in dbt's lineage that is not extracted would be read stale, or be
    missing on a fresh database."""
    nodes = {**manifest["nodes"], **manifest["sources"]}
    by_resource = {t.resource: t.endpoint for t in TABLES}

    def sources_upstream(unique_id: str) -> set[str]:
        found: set[str] = set()
        stack, seen = [unique_id], set()
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            node = nodes[current]
            if node["resource_type"] == "source" and node["name"] in by_resource:
                found.add(by_resource[node["name"]])
            stack.extend(node.get("depends_on", {}).get("nodes", []))
        return found

    missing = {}
    for entity in ENTITIES:
        extracted = set(endpoints_feeding(with_dependencies({entity.table})))
        read = sources_upstream(f"model.pyerp_sync.{entity.table}")
        if read - extracted:
            missing[entity.table] = sorted(read - extracted)
    assert missing == {}
