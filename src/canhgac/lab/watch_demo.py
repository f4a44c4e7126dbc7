"""What ``canhgac demo --watch`` sets up around the lab: the agencies it watches, a small duty
roster and the ``[watch]`` table that mails the lab's mail sink.

The demo watches the control agency (STTTT: it plants no fault, so every alert is the switch's),
with four people on the roster: on duty, backup, team lead, CSIRT head, each with a mailbox
in the sink (:mod:`canhgac.lab.mail_sink`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from canhgac.lab.mail_sink import MailSink
from canhgac.lab.province import inventory_yaml

WATCHED_AGENCY = "STTTT"
PASSWORD_ENV = "CANHGAC_DEMO_SMTP_PASSWORD"  # noqa: S105 - the variable's name, not a password
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


def watch_table(sink: MailSink, ca_file: Path, *, escalation_minutes: float,
                console_url: str = "http://127.0.0.1:8000") -> tuple[dict[str, Any], dict[str, str]]:
    """The ``[watch]`` table mailing through ``sink``, and the environment holding its password."""
    table: dict[str, Any] = {
        "console-url": console_url,
        "poll": 0.5,
        "retry-first": 2,
        "escalation-minutes": escalation_minutes,
        "email": {
            "host": sink.address,
            "port": sink.port,
            "sender": "canhgac@csirt.kiengiang.gov.test",
            "user": sink.user,
            "password-env": PASSWORD_ENV,
            "ca-file": str(ca_file),
            "timeout": 10,
        },
    }
    return table, {PASSWORD_ENV: sink.password}
