"""The benchmark's figures: one dict (the JSON), and the table printed from it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.baselines import Timing


def _rate(rows: int, seconds: float) -> float:
    return rows / seconds if seconds else 0.0


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 4) if b else None


def figures(
    *,
    runs: dict[str, dict[str, Any]],
    rows_fetched: int,
    fetch_seconds: float,
    copy_total: Timing,
    copy_only: Timing,
    landing: Timing,
    dicts: Timing,
    row_by_row: Timing,
    merge: Timing,
    merge_failures: list[str],
    peak_rss_mb: float,
    served_noop: dict[str, Any],
    cold_noop: dict[str, Any],
) -> dict[str, Any]:
    full, incremental, noop = runs["full"], runs["incremental"], runs["noop"]
    full_rows = int(full["rows_extracted"])
    steps = full["steps"]
    publish_rows = int(full["rows_published"])
    publish_rate = _rate(publish_rows, steps["publish"])
    return {
        "scale": None,  # set by the caller
        "rows_total": full_rows,
        "full_seconds": round(float(full["seconds"]), 3),
        "incremental_seconds": round(float(incremental["seconds"]), 3),
        "noop_seconds": round(float(noop["seconds"]), 3),
        # the same no-change run as the schedule runs it (a served deployment, trigger → completed; the flow run's
        # own start → end) and as a person starts it (a fresh `pyerp-sync run` process); None when not measured
        "noop_served_seconds": served_noop.get("seconds"),
        "noop_served_flow_seconds": served_noop.get("flow_seconds"),
        "noop_cold_cli_seconds": cold_noop.get("seconds"),
        "noop_served": served_noop,
        "noop_cold_cli": cold_noop,
        "full_phases": {
            "extract_seconds": round(steps["extract"], 3),
            "extract_rows_per_s": round(_rate(full_rows, steps["extract"])),
            "landing_seconds": round(landing.seconds, 3),
            "dbt_seconds": round(steps["dbt"], 3),
            "dbt_rows_per_s": round(_rate(full_rows, steps["dbt"])),
            "publish_seconds": round(steps["publish"], 3),
            "whole_rows_per_s": round(_rate(full_rows, float(full["seconds"]))),
        },
        "landing_rows": landing.rows,
        "landing_rows_per_s": round(landing.rows_per_s),
        "copy_rows_per_s": round(copy_total.rows_per_s),
        "copy_statement_only_rows_per_s": round(copy_only.rows_per_s),
        "landing_vs_copy": _ratio(landing.rows_per_s, copy_total.rows_per_s),
        "row_by_row_rows": row_by_row.rows,
        "row_by_row_note": row_by_row.note,
        "row_by_row_rows_per_s": round(row_by_row.rows_per_s),
        "row_by_row_ms_per_row": round(1000 * row_by_row.seconds / row_by_row.rows, 4) if row_by_row.rows else None,
        # The figure: the whole full sync (4D pages to pyERP rows, every phase) per row against row-by-row.
        "speedup_vs_row_by_row": _ratio(_rate(full_rows, float(full["seconds"])), row_by_row.rows_per_s),
        "landing_speedup_vs_row_by_row": _ratio(landing.rows_per_s, row_by_row.rows_per_s),
        "dlt_default_rows_per_s": round(dicts.rows_per_s),
        "landing_vs_dlt_default": _ratio(landing.rows_per_s, dicts.rows_per_s),
        "incremental_vs_full": _ratio(float(incremental["seconds"]), float(full["seconds"])),
        "noop_vs_full": _ratio(float(noop["seconds"]), float(full["seconds"])),
        "requests_full": full["requests"],
        "requests_incremental": incremental["requests"],
        "requests_noop": noop["requests"],
        "sessions_per_run": {name: run["sessions_opened"] for name, run in runs.items()},
        "sessions_used_per_run": {name: run["sessions_used"] for name, run in runs.items()},
        "peak_rss_mb": round(peak_rss_mb, 1),
        "publish_rows": publish_rows,
        "publish_rows_per_s": round(publish_rate),
        "merge_rows": merge.rows,
        "merge_rows_per_s": round(merge.rows_per_s),
        "publish_vs_merge": _ratio(publish_rate, merge.rows_per_s),
        "merge_failures": merge_failures,
        "baseline_rows_fetched": rows_fetched,
        "baseline_fetch_seconds": round(fetch_seconds, 3),
        "runs": runs,
    }


def print_table(data: dict[str, Any], echo: Callable[[str], None]) -> None:
    full = data["full_phases"]
    rows = data["rows_total"]
    lines: list[tuple[str, str, str, str]] = [
        (
            "full sync: extract (4D over HTTP + landing)",
            f"{full['extract_seconds']:.1f}",
            f"{full['extract_rows_per_s']:,}",
            "",
        ),
        ("full sync: dbt build", f"{full['dbt_seconds']:.1f}", f"{full['dbt_rows_per_s']:,}", ""),
        (
            "full sync: publish",
            f"{full['publish_seconds']:.1f}",
            f"{data['publish_rows_per_s']:,}",
            f"vs MERGE {_x(data['publish_vs_merge'])}",
        ),
        ("full sync: whole", f"{data['full_seconds']:.1f}", f"{full['whole_rows_per_s']:,}", ""),
        (
            "incremental sync after 1 % changes",
            f"{data['incremental_seconds']:.1f}",
            "",
            f"vs full {_x(data['incremental_vs_full'])}",
        ),
        (
            "no-change incremental sync (in process)",
            f"{data['noop_seconds']:.1f}",
            "",
            f"vs full {_x(data['noop_vs_full'])}",
        ),
        _served_line(data),
        _cold_line(data),
        (
            "landing, rows in memory (Arrow + dlt COPY)",
            f"{full['landing_seconds']:.1f}",
            f"{data['landing_rows_per_s']:,}",
            "",
        ),
        (
            "  baseline: plain COPY (CSV render + COPY)",
            "",
            f"{data['copy_rows_per_s']:,}",
            f"landing/COPY {_x(data['landing_vs_copy'])}",
        ),
        ("  baseline: COPY statements alone", "", f"{data['copy_statement_only_rows_per_s']:,}", ""),
        (
            "  baseline: dlt default (dicts, insert_values)",
            "",
            f"{data['dlt_default_rows_per_s']:,}",
            f"landing/dlt {_x(data['landing_vs_dlt_default'])}",
        ),
        (
            "  baseline: row-by-row (select, insert|update)",
            "",
            f"{data['row_by_row_rows_per_s']:,}",
            f"full sync/rbr {_x(data['speedup_vs_row_by_row'])}, landing/rbr "
            f"{_x(data['landing_speedup_vs_row_by_row'])}",
        ),
        ("  baseline: bulk MERGE of the mart rows", "", f"{data['merge_rows_per_s']:,}", ""),
    ]
    echo(f"\npyerp-sync bench, scale {data['scale']:g}: {rows:,} rows in 4D (full run)")
    echo(f"{'phase':<48}{'wall s':>8}{'rows/s':>12}  ratio")
    for label, seconds, rate, ratio in lines:
        echo(f"{label:<48}{seconds:>8}{rate:>12}  {ratio}")
    served, cold = data.get("noop_served") or {}, data.get("noop_cold_cli") or {}
    echo(
        f"4D requests: full {data['requests_full']}, incremental {data['requests_incremental']}, no-change "
        f"{data['requests_noop']} (served {served.get('requests', 'n/a')}, cold CLI {cold.get('requests', 'n/a')}); "
        f"sessions opened per run {data['sessions_per_run']} (served {served.get('sessions_opened', 'n/a')}, cold "
        f"CLI {cold.get('sessions_opened', 'n/a')}); peak RSS {data['peak_rss_mb']:.0f} MB"
    )
    echo(
        f"row-by-row: {data['row_by_row_rows']:,} rows, {data['row_by_row_ms_per_row']} ms/row "
        f"{data['row_by_row_note']}"
    )
    for failure in data["merge_failures"]:
        echo(f"MERGE baseline failed for {failure}")


def _served_line(data: dict[str, Any]) -> tuple[str, str, str, str]:
    label = "  as scheduled: served deployment, trigger→done"
    served = data.get("noop_served") or {}
    if data.get("noop_served_seconds") is None:
        return label, "n/a", "", f"not measured: {served.get('error') or 'no figure'}"
    return (
        label,
        f"{data['noop_served_seconds']:.1f}",
        "",
        f"flow run {data['noop_served_flow_seconds']:.1f} s (sync {served['sync_seconds']:.1f}) after pickup "
        f"{served['pickup_seconds']:.1f} s (poll {served['poll_seconds']:.1f}, process start "
        f"{served['process_start_seconds']:.1f})",
    )


def _cold_line(data: dict[str, Any]) -> tuple[str, str, str, str]:
    label = "  cold `pyerp-sync run` (fresh process)"
    cold = data.get("noop_cold_cli") or {}
    if data.get("noop_cold_cli_seconds") is None:
        return label, "n/a", "", f"not measured: {cold.get('error') or 'no figure'}"
    return label, f"{data['noop_cold_cli_seconds']:.1f}", "", f"sync {cold['sync_seconds']:.1f} s"


def _x(ratio: float | None) -> str:
    return "n/a" if ratio is None else f"{ratio:.2f}x"


def write_json(data: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
