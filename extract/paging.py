"""Key-ordered paging through a 4D selection: ``$orderby`` on the primary key, each page after the last key seen.

Key order rather than ``$skip``: inserts and deletes while we page cannot shift rows between pages, so none is
skipped or read twice; it needs no server-side memory (a stored entity set expires and costs the server), a page can
be repeated after a dropped connection, and it survives a ``$top`` cap. A row changed after its page was read is
picked up by the next run, whose lower bound (stamp or date) is taken before this one started reading.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from extract.errors import ExtractError
from extract.filters import Filter, Gt, Value, all_of

log = logging.getLogger(__name__)

GetJson = Callable[[str, Mapping[str, object]], Any]


@dataclass(frozen=True)
class Page:
    """One page of a collection request."""

    entities: list[dict[str, Any]]
    count: int  # __COUNT: size of the whole (remaining) selection
    global_stamp: int | None  # the envelope's __GlobalStamp (0 without change tracking)


def key_ordered_pages(
    get_json: GetJson,
    dataclass: str,
    *,
    key_attribute: str,
    attributes: Sequence[str],
    filter: Filter | None,
    page_size: int,
) -> Iterator[Page]:
    """Every entity of a selection, in order of ``key_attribute`` (a real attribute, not ``__KEY``), one page per
    ``get_json(dataclass, params)`` request."""
    wanted = list(dict.fromkeys([key_attribute, *attributes]))
    last: Value = None
    while True:
        params = {
            "$filter": all_of(filter, Gt(key_attribute, last) if last is not None else None),
            "$orderby": f"{key_attribute} asc",
            "$top": page_size,
            "$attributes": ",".join(wanted),
        }
        started = time.monotonic()
        body = get_json(dataclass, params)
        entities = body.get("__ENTITIES") or []
        count = int(body.get("__COUNT", len(entities)))
        stamp = body.get("__GlobalStamp")
        log.debug("%s: %d of %d in %.2fs", dataclass, len(entities), count, time.monotonic() - started)
        yield Page(entities=entities, count=count, global_stamp=int(stamp) if stamp is not None else None)
        # distinct keys: a page that repeats an entity holds fewer rows than it has entries
        if not entities or len({e.get("__KEY") for e in entities}) >= count:
            return
        last = entities[-1].get(key_attribute)
        if last is None:
            raise ExtractError(f"4D sent {dataclass} entities without their key attribute {key_attribute}")
