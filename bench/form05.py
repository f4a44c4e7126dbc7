"""Benchmark: form 05 (the half-year and annual summary) made from the store for a province:
300 agencies and their incidents of a year (default 2,000 in all; ``--incidents`` scales it).

A SQLite store seeded with the agencies and incidents spread over the year in Vietnam's time,
every form-05 type, severity, state and way of handling, some with helpers and a damage estimate;
then ``services.incident_summary.summary_form`` timed end to end N times (the grouped query, the
damage and helper reads, the counting, the form's value, the DOCX filled), median and max, for
the whole province and for one agency. Writes a section of docs/benchmarks.md.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import time
from typing import TYPE_CHECKING, Any

from bench import harness, report_md

if TYPE_CHECKING:
    import argparse
    from pathlib import Path

LIMIT_S = 1.0  # as one incident's DOCX (issue 15): a summary is one document too
TYPES = (
    "denial_of_service",
    "spoofing",
    "malware",
    "unauthorised_access",
    "defacement",
    "encryption",
    "destruction",
    "theft",
    "combined",
    "other",
    "",
)
HANDLED = ("in_house", "in_house", "domestic_help", "foreign_help", "")
CONFIG: dict[str, Any] = {
    "number-pattern": "{number}/BC-SKHCN",
    "issuer": {
        "parent": "UBND tỉnh Kiên Giang",
        "name": "Đội Ứng cứu sự cố máy tính tỉnh",
        "place": "Kiên Giang",
        "address": "Số 01 Trần Hưng Đạo, Rạch Giá",
        "phone": "0297 3 862 999",
        "email": "csirt@kiengiang.gov.vn",
        "member-code": "KG-CSIRT-091",
    },
    "signer": {"authority": "KT. Giám đốc", "title": "Phó Giám đốc", "name": "Lê Hoàng Đức"},
}


def main(argv: list[str]) -> int:
    ap = harness.options("form05")
    ap.add_argument("--agencies", type=int, default=300)
    ap.add_argument("--incidents", type=int, default=2000, help="incidents of the year, in all")
    ap.add_argument("--runs", type=int, default=10)
    args = harness.parse(ap, argv, timeout=600)
    with harness.work_dir("canhgac-bench-form05-", keep=args.keep, kept=" (store, DOCX)") as work:
        return run(args, work)


def _seed(agencies: int, count: int) -> list[str]:
    from canhgac.console.store import services
    from canhgac.console.store.incident_models import Incident

    codes = [f"CQ-{i:03d}" for i in range(agencies)]
    services.sync_agencies(
        [
            {"code": c, "name": f"Cơ quan số {i}", "domains": [f"{c.lower()}.gov.vn"]}
            for i, c in enumerate(codes)
        ]
    )
    rng = random.Random(15)
    start = dt.datetime(2025, 12, 31, 17, 0, tzinfo=dt.UTC)  # 00:00 on 1 January 2026 in Vietnam
    rows = []
    for i in range(count):
        at = start + dt.timedelta(seconds=rng.randrange(365 * 86400))
        handled = rng.choice(HANDLED)
        rows.append(
            Incident(
                agency_code=rng.choice(codes),
                title=f"Sự cố {i}",
                source="phone",
                category=rng.choice(TYPES),
                severity=rng.choice(("low", "medium", "high", "critical")),
                state="closed" if handled else rng.choice(("new", "triage", "containment")),
                detected_at=at,
                opened_at=at,
                updated_at=at,
                report_due_at=at + dt.timedelta(days=5),
                handled_by=handled,
                support_from_coordinator=rng.random() < 0.1,
                helpers=["VNPT Kiên Giang"]
                if handled == "domestic_help"
                else (["Kaspersky Lab"] if handled == "foreign_help" else []),
                estimated_damage=f"{rng.randrange(1, 50)} triệu" if rng.random() < 0.2 else "",
            )
        )
    Incident.objects.bulk_create(rows, batch_size=2000)
    return codes


def _times(runs: int, agency: str | None) -> tuple[list[float], list[float], int, int]:
    from canhgac.console.store.queries import ViewerScope
    from canhgac.reports.forms import forms_config
    from canhgac.services.incident_summary import parse_period, summary_form

    config = forms_config(CONFIG, base=harness.ROOT)
    now = dt.datetime(2026, 12, 10, 3, 0, tzinfo=dt.UTC)
    scope, period = ViewerScope.everything(), parse_period("2026")
    made = summary_form(scope, period, config, agency=agency, number="42", now=now)  # warm-up
    walls, cpus = [], []
    for _ in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        summary_form(scope, period, config, agency=agency, number="42", now=now)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return walls, cpus, made.counts.total.count, len(made.docx)


def run(args: argparse.Namespace, work: Path) -> int:
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from canhgac.console.bootstrap import migrate, setup_django

    setup_django(database_url=f"sqlite:///{work / 'store.sqlite3'}", workspace=work)
    migrate()
    seeded = time.perf_counter()
    codes = _seed(args.agencies, args.incidents)
    seed_s = time.perf_counter() - seeded
    rows, ok = [], True
    for label, agency in (("the province", None), ("one agency", codes[0])):
        walls, cpus, counted, size = _times(args.runs, agency)
        ok = ok and statistics.median(walls) <= LIMIT_S
        rows.append(
            report_md.row(
                label,
                f"{counted:,}",
                f"{statistics.median(walls) * 1000:.0f}",
                f"{max(walls) * 1000:.0f}",
                f"{statistics.median(cpus) * 1000:.0f}",
                f"{size / 1024:.0f}",
            )
        )
        print(rows[-1], flush=True)
    body = "\n".join(
        [
            "## Official documents: form 05 (half-year and annual summary) from the store",
            "",
            report_md.machine_line()
            + ", load average "
            + ", ".join(f"{x:.1f}" for x in os.getloadavg())
            + ".",
            "",
            report_md.command_line(
                "form05", agencies=args.agencies, incidents=args.incidents, runs=args.runs
            ),
            "",
            f"A SQLite store with {args.agencies} agencies and {args.incidents:,} incidents of 2026 (seeded in "
            f"{seed_s:.1f} s), every type, severity, state and way of handling; the 2026 summary made end to end "
            f"(`services.incident_summary.summary_form`: the grouped query, the damage and helper reads, the "
            f"counting, the form's value, the packaged template filled), {args.runs} times after a warm-up. "
            f"Target: as one incident's DOCX, at most {LIMIT_S:.0f} s.",
            "",
            "| summary of | incidents counted | median (ms) | max (ms) | median CPU (ms) | DOCX (KB) |",
            "|---|---|---|---|---|---|",
            *rows,
        ]
    )
    report_md.write_section(args.out, "form05", body, after="forms")
    return 0 if ok else 1
