"""What "converged" means for the fault tests: every pyERP table, row for row, equal to an uninterrupted run.

pyERP's surrogate ids and the timestamps publish sets are not part of the content: a transaction killed midway
still consumes sequence values, so a rerun's ids can differ from an uninterrupted run's while the data is the same.
Every foreign-key id is therefore replaced by the natural identity of the row it points at (its entity's match
columns, resolved the same way), and each table is compared as a sorted list, so a doubled row is a difference.
"""

from __future__ import annotations

import contextlib
from collections import Counter

import psycopg2

from benchmarks.convergence import VOLATILE_COLUMNS  # one definition, shared with `pyerp-sync soak`
from flows.entities import ENTITIES

Content = dict[str, list[tuple]]


def pyerp_content(url: str, schema: str = "pyerp") -> Content:
    """Every pyERP table's rows without ids or publish timestamps, foreign keys as natural identities, sorted."""
    identities: dict[str, dict[int, tuple]] = {}
    content: Content = {}
    with contextlib.closing(psycopg2.connect(url)) as conn, conn.cursor() as cur:
        for entity in ENTITIES:
            cur.execute(f'select * from "{schema}"."{entity.table}"')
            columns = [d.name for d in cur.description]
            references = {fk.target_column: fk.references for fk in entity.foreign_keys}
            rows = [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]

            def resolve(column: str, value: object, references: dict[str, str] = references) -> object:
                if column not in references or value is None:
                    return value
                return ("→", references[column], identities[references[column]][value])

            # a self-reference (category → parent category) can point at a row later in the list: ids first
            identities[entity.table] = {}
            pending = list(rows)
            while pending:
                progressed = []
                for row in pending:
                    try:
                        identities[entity.table][row["id"]] = tuple(resolve(c, row[c]) for c in entity.match)
                    except KeyError:
                        continue
                    progressed.append(row)
                if not progressed:
                    raise AssertionError(f"{entity.table}: match columns point at rows that do not exist")
                pending = [row for row in pending if row not in progressed]
            content[entity.table] = sorted(
                (tuple((c, resolve(c, row[c])) for c in columns if c not in VOLATILE_COLUMNS) for row in rows),
                key=repr,
            )
    return content


def differences(actual: Content, expected: Content, limit: int = 2) -> dict[str, str]:
    """Per table that differs: how many rows are missing, extra or doubled, with a few examples."""
    found: dict[str, str] = {}
    for table in expected.keys() | actual.keys():
        have, want = Counter(actual.get(table, [])), Counter(expected.get(table, []))
        if have == want:
            continue
        missing, extra = list((want - have).elements()), list((have - want).elements())
        found[table] = (
            f"{sum(want.values())} expected, {sum(have.values())} present; "
            f"missing {len(missing)} e.g. {missing[:limit]}; extra {len(extra)} e.g. {extra[:limit]}"
        )
    return found


def assert_converged(url: str, expected: Content, schema: str = "pyerp") -> int:
    """Fails with the differing tables; returns the number of rows compared."""
    actual = pyerp_content(url, schema)
    assert not differences(actual, expected), differences(actual, expected)
    return sum(len(rows) for rows in expected.values())
