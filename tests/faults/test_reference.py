"""The convergence check itself: it sees a changed, a missing and a doubled row."""

from __future__ import annotations

import psycopg2
import pytest

from flows.sync import legacy_sync
from tests.faults.convergence import assert_converged, differences, pyerp_content

pytestmark = pytest.mark.integration


def test_an_uninterrupted_run_converges_and_the_check_sees_every_kind_of_difference(
    fault_world, reference_content
) -> None:
    legacy_sync(full=True, settings=fault_world.settings)
    compared = assert_converged(fault_world.url, reference_content)
    assert compared > 1_000

    with psycopg2.connect(fault_world.url) as conn, conn.cursor() as cur:
        cur.execute(
            "update pyerp.sales_customer set name = name || ' (edited)'"
            " where id = (select min(id) from pyerp.sales_customer)"
        )
        cur.execute("delete from pyerp.business_employee where id = (select min(id) from pyerp.business_employee)")
    found = differences(pyerp_content(fault_world.url), reference_content)
    assert found.keys() == {"sales_customer", "business_employee"}

    row = reference_content["production_mold"][0]
    doubled = {**reference_content, "production_mold": [row, *reference_content["production_mold"]]}
    assert differences(doubled, reference_content).keys() == {"production_mold"}
