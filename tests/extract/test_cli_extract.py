"""``pyerp-sync extract``: the thin command over ``run_extract``."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator import EmulatorServer
from flows.cli import main


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path):
    def point_at(server: EmulatorServer | None) -> Path:
        monkeypatch.setenv("PYERP_SYNC_DATABASE_URL", database_url)
        monkeypatch.setenv("PYERP_SYNC_HOME", str(tmp_path / "home"))
        if server is not None:
            monkeypatch.setenv("LEGACY_4D_URL", server.base_url)
        monkeypatch.setenv("COLUMNS", "200")  # rich wraps narrower tables
        monkeypatch.chdir(tmp_path)
        return tmp_path / "home"

    return point_at


def test_extract_command_lands_tables_and_prints_a_summary(environment, emulator: EmulatorServer, capsys) -> None:
    home = environment(emulator)
    assert main(["extract", "--table", "Form_Artikel"]) == 0
    out = capsys.readouterr().out
    assert "Formen" in out and "Form_Artikel" in out and "modified_date" in out and "children_of" in out
    assert (home / "4d-session.json").is_file()
    assert (home / "dlt" / "pipelines" / "legacy_4d").is_dir()
    assert main(["extract", "--table", "Form_Artikel", "--full"]) == 0
    assert "reused the stored 4D session" in capsys.readouterr().out
    assert emulator.sessions_opened == 1


def test_extract_command_names_the_known_tables_for_an_unknown_one(environment, capsys) -> None:
    environment(None)
    assert main(["extract", "--table", "Artikel"]) == 2
    err = capsys.readouterr().err
    assert "Artikel_Variante" in err and "Belege_Pos" in err


def test_extract_command_refuses_without_a_4d_url(environment, capsys) -> None:
    environment(None)
    assert main(["extract"]) == 1
    assert "LEGACY_4D_URL" in capsys.readouterr().err
