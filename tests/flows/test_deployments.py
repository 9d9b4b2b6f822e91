"""Guard: every prefect.yaml entrypoint resolves to a flow, and the schedules are the ones the brief fixes."""

from __future__ import annotations

from prefect import Flow

from flows.deployments import load_entrypoint, read_deployments


def test_every_entrypoint_is_a_flow() -> None:
    specs = read_deployments()
    assert specs
    for spec in specs:
        assert isinstance(load_entrypoint(spec.entrypoint), Flow), spec.entrypoint


def test_schedules_incremental_every_15_minutes_and_full_nightly_berlin() -> None:
    by_name = {spec.name: spec for spec in read_deployments()}
    assert by_name["incremental"].parameters == {"full": False}
    assert by_name["incremental"].schedules == ({"cron": "*/15 * * * *", "timezone": "Europe/Berlin"},)
    assert by_name["nightly-full"].parameters == {"full": True}
    assert by_name["nightly-full"].schedules == ({"cron": "0 2 * * *", "timezone": "Europe/Berlin"},)
    assert all(spec.concurrency_limit == 1 for spec in by_name.values())


def test_no_flows_module_shadows_an_installed_package() -> None:
    """Prefect's workers load ``flows/sync.py`` by file path (prefect.yaml), which puts ``flows/`` first on
    ``sys.path`` in the flow-run process: a ``flows/dbt.py`` there made ``import dbt`` fail on every served run."""
    import importlib.util

    from flows.settings import PROJECT_ROOT

    shadowing = [
        path.name
        for path in (PROJECT_ROOT / "flows").glob("*.py")
        if path.stem != "__init__" and importlib.util.find_spec(path.stem) is not None
    ]
    assert shadowing == []
