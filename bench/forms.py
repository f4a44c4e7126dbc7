"""Benchmark: one incident's official document as DOCX (issue 15: ≤ 1 s).

Measured in this process, after one warm-up render: the time to build the form's value from
plain data and the ``[forms]`` configuration and fill the packaged DOCX template
(``build_form`` + ``render_form``), N times per form, median and 95th percentile — what the
incidents layer pays for each document. Also measured once each, in a child process: the whole
command ``canhgac forms render 03 DATA -o OUT`` (interpreter start, imports, configuration, the
render, the write), which is what a CSIRT officer waits for. Writes a section of docs/benchmarks.md.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import sys
import time
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

from bench import harness, report_md
from bench.measure import measure
from canhgac.reports.forms import FORMS, build_form, forms_config, render_form

if TYPE_CHECKING:
    import argparse
    from pathlib import Path

LIMIT_S = 1.0  # issue 15: one incident DOCX in at most a second
TODAY = dt.date(2026, 12, 7)
CONFIG: dict[str, Any] = {
    "number-pattern": "{number}/BC-SKHCN",
    "issuer": {
        "parent": "UBND tỉnh Kiên Giang",
        "name": "Sở Khoa học và Công nghệ",
        "place": "Kiên Giang",
        "address": "Số 01 Trần Hưng Đạo, Rạch Giá",
        "phone": "0297 3 862 999",
        "email": "csirt@kiengiang.gov.vn",
        "member-code": "KG-CSIRT-091",
    },
    "signer": {"authority": "KT. Giám đốc", "title": "Phó Giám đốc", "name": "Lê Hoàng Đức"},
}
SYSTEM = {
    "operator": "Ủy ban nhân dân huyện Châu Thành",
    "owner_agency": "Ủy ban nhân dân tỉnh Kiên Giang",
    "name": "Cổng thông tin điện tử huyện Châu Thành",
    "level": 2,
}
DATA: dict[str, dict[str, Any]] = {
    "03": {
        "document": {"number": 15, "date": "2026-12-07"},
        "contact": {"name": "Trần Thị Bích Ngọc", "phone": "0913 456 789", "email": "ngoc@kiengiang.gov.vn"},
        "system": SYSTEM,
        "incident": {
            "summary": "Trang chủ bị thay đổi giao diện.\nChưa ảnh hưởng dữ liệu công dân.",
            "detected_at": "2026-12-05T07:45:00+07:00",
            "handled": False,
        },
        "detection": {"methods": ["logs"], "notified_by": "Người dân báo qua đường dây nóng"},
        "notified": ["national-coordinator", "isp"],
        "details": {
            "os": "Ubuntu Server",
            "os_version": "22.04",
            "services": ["web", "database"],
            "measures": ["firewall"],
            "public_ips": ["203.162.10.25"],
            "domains": ["chauthanh.kiengiang.gov.vn"],
        },
        "attachments": ["logs"],
        "confidential": True,
        "support_request": "Đề nghị hỗ trợ phân tích mã độc.",
        "reported_at": "2026-12-07T09:15:00+07:00",
    },
    "04": {
        "document": {"number": 17, "date": "2026-12-20"},
        "initial_report": {"number": "15/BC-SKHCN", "date": "2026-12-07"},
        "system": SYSTEM,
        "incident": {
            "title": "Thay đổi giao diện cổng thông tin",
            "detected_at": "2026-12-05T07:45:00+07:00",
        },
        "result": "Đã khôi phục từ bản sao lưu, vá lỗ hổng, đổi mật khẩu quản trị.",
        "attachments": ["Báo cáo diễn biến", "Phương án ứng cứu", "Nhật ký máy chủ web"],
    },
    "05": {
        "document": {"number": 42, "date": "2026-06-15"},
        "period": {"kind": "half-year", "start": "2026-01-01", "end": "2026-06-30"},
        "rows": [
            {"type": "phishing", "count": 12, "self_handled": 10, "with_domestic_help": 2},
            {
                "type": "malware",
                "count": 7,
                "self_handled": 6,
                "support_requested": 1,
                "damage_vnd": 15_000_000,
            },
        ],
        "helpers": ["VNPT Kiên Giang"],
        "recommendations": "Đề nghị tổ chức diễn tập ứng cứu sự cố cấp tỉnh.",
    },
}


def main(argv: list[str]) -> int:
    ap = harness.options("forms")
    ap.add_argument("--renders", type=int, default=50, help="renders per form, in this process")
    ap.add_argument("--commands", type=int, default=5, help="runs of the whole command, one process each")
    args = harness.parse(ap, argv, timeout=120)
    with harness.work_dir("canhgac-bench-forms-", keep=args.keep, kept=" (data, DOCX)") as work:
        return run(args, work)


def _times(form: str, renders: int) -> tuple[list[float], list[float], int]:
    config = forms_config(CONFIG, base=harness.ROOT)
    size = len(render_form(build_form(form, DATA[form], config, today=TODAY), config))  # warm-up
    times, cpus = [], []
    for _ in range(renders):
        start, cpu = time.perf_counter(), time.process_time()
        render_form(build_form(form, DATA[form], config, today=TODAY), config)
        times.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return times, cpus, size


def _command(work: Path, timeout: float, runs: int) -> tuple[list[float], list[float], list[float]]:
    """Wall and CPU seconds of each run of the command, and the wall seconds of ``canhgac
    --version`` (the CLI's own start, the baseline every command pays)."""
    (work / "canhgac.toml").write_text(_toml(), encoding="utf-8")
    data = work / "mau-03.json"
    data.write_text(json.dumps(DATA["03"], ensure_ascii=False), encoding="utf-8")
    walls, cpus, baseline = [], [], []
    version = [sys.executable, "-c", "from canhgac.cli.main import run; run()", "--version"]
    for i in range(runs):
        baseline.append(
            measure("canhgac --version", version, env=harness.tool_env(work), timeout=timeout).wall_s
        )
        out = work / f"bc-{i}.docx"
        cmd = [
            sys.executable,
            "-c",
            "from canhgac.cli.main import run; run()",
            "--config",
            str(work / "canhgac.toml"),
            "forms",
            "render",
            "03",
            str(data),
            "-o",
            str(out),
        ]
        m = measure("canhgac forms render 03", cmd, env=harness.tool_env(work), timeout=timeout)
        if m.returncode != 0 or not out.is_file():
            raise SystemExit(f"canhgac forms render failed (exit {m.returncode})")
        walls.append(m.wall_s)
        cpus.append(m.cpu_s)
    return walls, cpus, baseline


def _toml() -> str:
    issuer = CONFIG["issuer"]
    signer = CONFIG["signer"]
    lines = ["[forms]", f'number-pattern = "{CONFIG["number-pattern"]}"', "[forms.issuer]"]
    lines += [f'{k} = "{v}"' for k, v in issuer.items()]
    lines += ["[forms.signer]"] + [f'{k} = "{v}"' for k, v in signer.items()]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace, work: Path) -> int:
    rows = []
    ok = True
    for form in FORMS:
        times, cpus, size = _times(form, args.renders)
        median, p95 = statistics.median(times), sorted(times)[max(0, round(0.95 * len(times)) - 1)]
        ok = ok and median <= LIMIT_S
        rows.append(
            report_md.row(
                f"form {form}",
                f"{median * 1000:.1f}",
                f"{p95 * 1000:.1f}",
                f"{max(times) * 1000:.1f}",
                f"{statistics.median(cpus) * 1000:.1f}",
                f"{size / 1024:.0f}",
            )
        )
        print(rows[-1], flush=True)
    walls, cpus, baseline = _command(work, args.timeout, args.commands)
    command_median = statistics.median(walls)
    print(
        f"canhgac forms render 03: median {command_median:.2f} s wall, {statistics.median(cpus):.2f} s CPU; "
        f"canhgac --version: {statistics.median(baseline):.2f} s",
        flush=True,
    )
    body = "\n".join(
        [
            "## Official documents: one incident's form as DOCX",
            "",
            report_md.machine_line()
            + f", docxtpl {version('docxtpl')}, load average "
            + ", ".join(f"{x:.1f}" for x in os.getloadavg())
            + ".",
            "",
            report_md.command_line("forms", renders=args.renders, commands=args.commands),
            "",
            f"Target (issue 15): one incident DOCX in at most {LIMIT_S:.0f} s. In one process, after a warm-up "
            "render: the form's value built from plain data and the `[forms]` configuration, then the packaged "
            f"template filled (`build_form` + `render_form`), {args.renders} times per form.",
            "",
            "| form | median (ms) | p95 (ms) | max (ms) | median CPU (ms) | DOCX (KB) |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            f"The whole command, `canhgac forms render 03 DATA.json -o OUT.docx` in a fresh process (interpreter "
            f"start, imports, the settings file, the render, the write): median {command_median:.2f} s wall "
            f"(min {min(walls):.2f} s, max {max(walls):.2f} s) and {statistics.median(cpus):.2f} s CPU over "
            f"{len(walls)} runs; `canhgac --version` alone (the CLI's start, which every command pays) takes "
            f"{statistics.median(baseline):.2f} s wall on the same machine. The machine's 2 cores may be shared "
            "with other work (the load average is in the first line): CPU time is the steadier figure.",
        ]
    )
    report_md.write_section(args.out, "forms", body)
    return 0 if ok else 1
