"""What ``canhgac demo --watch`` sets up around the lab: the agencies it watches, a small duty
roster and the ``[watch]`` table (``canhgac.toml``) that mails the lab's mail sink.

The demo watches the control agency (STTTT: it plants no fault, so every alert is the switch's),
with four people on the roster: on duty, backup, team lead, CSIRT head, each with a mailbox
in the sink (:mod:`canhgac.lab.mail_sink`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from canhgac.lab.mail_sink import MailSink
from canhgac.lab.province import inventory_yaml

WATCHED_AGENCY = "STTTT"
# The watch's alert rules the demo's allowances count on (watch/rules.py: a defaced page alerts at
# the first check that sees it, a portal is up again after 2 passing ones;
# tests/lab/test_lab_watch_demo.py keeps them equal).
CHECKS_TO_ALERT = 1
CHECKS_TO_RECOVER = 2
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
# (role, person, mailbox): the roster's four roles, in escalation order
PEOPLE = (
    ("on-duty", "Nguyễn Văn Trực", "truc-ban@csirt.kiengiang.gov.test"),
    ("backup", "Trần Thị Phòng", "du-phong@csirt.kiengiang.gov.test"),
    ("lead", "Lê Văn Trưởng", "truong-nhom@csirt.kiengiang.gov.test"),
    ("head", "Phạm Thị Lãnh", "lanh-dao@csirt.kiengiang.gov.test"),
)


def mailbox(role: str) -> str:
    return next(address for r, _person, address in PEOPLE if r == role)


def watch_inventory(codes: Iterable[str] = (WATCHED_AGENCY,)) -> str:
    """The lab's inventory with only the agencies ``codes`` (their parents dropped)."""
    data = yaml.safe_load(inventory_yaml())
    wanted = set(codes)
    kept = [dict(a) for a in data["agencies"] if a["code"] in wanted]
    missing = wanted - {a["code"] for a in kept}
    if missing:
        raise KeyError(f"the lab has no agency {', '.join(sorted(missing))}")
    for agency in kept:
        if agency.get("parent") not in wanted:
            agency["parent"] = None
    return str(yaml.safe_dump({**data, "agencies": kept}, allow_unicode=True, sort_keys=False))


def roster_csv(now: datetime) -> str:
    """Everyone of :data:`PEOPLE` on duty from a day before ``now`` to a day after."""
    start = (now.astimezone(VIETNAM) - timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    end = (now.astimezone(VIETNAM) + timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    lines = ["person,role,start,end,email"]
    lines += [f"{person},{role},{start},{end},{address}" for role, person, address in PEOPLE]
    return "\n".join(lines) + "\n"


def watch_settings(
    sink: MailSink,
    ca_file: Path,
    password_file: Path,
    *,
    escalation_minutes: float,
    console_url: str = "http://127.0.0.1:8000",
) -> str:
    """A ``canhgac.toml`` whose ``[watch]`` table mails through ``sink`` (its password in
    ``password_file``, which the caller writes)."""

    def quoted(text: str | Path) -> str:
        return json.dumps(str(text), ensure_ascii=False)  # a TOML basic string

    return "\n".join(
        [
            "[watch]",
            f"console-url = {quoted(console_url)}",
            "poll = 0.5",
            "retry-first = 2",
            f"escalation-minutes = {escalation_minutes!r}",
            "",
            "[watch.email]",
            f"host = {quoted(sink.address)}",
            f"port = {sink.port}",
            f"sender = {quoted('canhgac@csirt.kiengiang.gov.test')}",
            f"user = {quoted(sink.user)}",
            f"password-file = {quoted(password_file)}",
            f"ca-file = {quoted(ca_file)}",
            "timeout = 10",
            "",
        ]
    )
