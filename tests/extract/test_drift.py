"""Schema drift between runs: a 4D column appears or vanishes. The emulator serves a fixed structure, so a small
HTTP proxy in front of it (``tests/drift_proxy.py``) changes what ``$catalog`` and ``Formen`` pages show (real HTTP
on both sides)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator import EmulatorServer
from tests.drift_proxy import NEW, DriftProxy, running
from tests.extract.conftest import Extractor


@pytest.fixture
def proxy(emulator: EmulatorServer) -> Iterator[DriftProxy]:
    with running(DriftProxy(emulator)) as proxy:
        yield proxy


def test_a_new_column_lands_and_a_vanished_one_is_reported(proxy: DriftProxy, make_extractor) -> None:
    extractor: Extractor = make_extractor(proxy.upstream)
    extractor.base_url = proxy.base_url
    assert not extractor.run(tables=["Formen"]).tables["Formen"].drift

    proxy.add_column = True
    second = extractor.run(tables=["Formen"]).tables["Formen"]
    assert second.full and any(NEW in d and "new since the last run" in d for d in second.drift)
    rows = extractor.raw_rows("formen")
    assert rows and all(row[NEW] == f"LP-{row['__KEY'][:6]}" for row in rows)  # every row, not only changed ones

    third = extractor.run(tables=["Formen"]).tables["Formen"]
    assert not third.full and third.rows_extracted == 0
    assert any(NEW in d and "not in the registry" in d for d in third.drift)

    proxy.drop_column = "Bemerkung"
    proxy.upstream.update("Formen", count=1)
    fourth = extractor.run(tables=["Formen"]).tables["Formen"]
    assert fourth.rows_extracted == 1 and any("Bemerkung" in d for d in fourth.drift)
    assert "Bemerkung" in extractor.raw_rows("formen")[0]  # the raw column stays (nullable)
