"""The log generator: deterministic, every class planted where the manifest says, benign
look-alikes present, only documentation and private addresses, a manifest that agrees with the
files as canhgac's own parsers read them."""

from __future__ import annotations

import hashlib
import ipaddress
import itertools
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from logs_samples_support import TZ, matching, records, within

from canhgac.lab.log_samples import SampleSet, write_samples
from canhgac.logs.reader import read_records
from canhgac.logs.records import LogEvent, LogRecord, ParseStats

RULES = {
    "logs.web.sqli", "logs.web.xss", "logs.web.traversal", "logs.web.cmd-injection", "logs.web.webshell",
    "logs.web.scanner", "logs.web.404-storm", "logs.web.spike", "logs.auth.brute-force",
    "logs.auth.account-attack", "logs.auth.spraying", "logs.auth.success-after-failures",
    "logs.mail.outbound-burst", "logs.source.silent",
}  # fmt: skip
ALLOWED = [
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SampleSet:
    return write_samples(tmp_path_factory.mktemp("samples"), web_lines=30_000, mail_lines=30_000)


@pytest.fixture(scope="module")
def parsed(sample: SampleSet) -> dict[str, list[LogRecord]]:
    return records(sample)


def _digest(sample: SampleSet) -> str:
    h = hashlib.sha256()
    for path in (sample.web, sample.mail, sample.auth):
        h.update(path.read_bytes())
    body = json.loads(sample.manifest.read_text())
    for entry in body["files"].values():
        entry["path"] = Path(entry["path"]).name
    for entry in body["attacks"] + body["benign"]:
        entry["keys"].pop("source", None)
        entry.pop("group")
    h.update(json.dumps(body, sort_keys=True).encode())
    return h.hexdigest()


def test_deterministic(tmp_path: Path) -> None:
    one = write_samples(tmp_path / "a", web_lines=4000, mail_lines=4000)
    two = write_samples(tmp_path / "b", web_lines=4000, mail_lines=4000)
    other = write_samples(tmp_path / "c", web_lines=4000, mail_lines=4000, seed=99)
    assert _digest(one) == _digest(two)
    assert _digest(one) != _digest(other)


def test_sizes_and_share(sample: SampleSet) -> None:
    assert sample.lines == {"web": 30_000, "mail": 30_000, "auth": 3_000}
    for path, n in ((sample.web, 30_000), (sample.mail, 30_000), (sample.auth, 3_000)):
        assert len(path.read_bytes().splitlines()) == n
    big = write_samples(sample.web.parent / "big", web_lines=300_000, mail_lines=1000, auth_lines=1000)
    planted = sum(a.count for a in big.attacks if a.log == "web") + sum(
        1 for a in big.attacks if a.log == "web" and a.rule_id == "logs.web.webshell"
    )  # + the shell's GET
    assert 0.02 <= planted / 300_000 <= 0.04


def test_every_rule_is_planted_and_the_manifest_is_complete(sample: SampleSet) -> None:
    body = json.loads(sample.manifest.read_text())
    assert {a["rule_id"] for a in body["attacks"]} == RULES
    assert body["timezone"] == "Asia/Ho_Chi_Minh" and body["year"] == 2026
    for a in body["attacks"]:
        assert a["group"] and a["keys"] and a["log"] in ("web", "mail", "auth")
        assert datetime.fromisoformat(a["first"]) <= datetime.fromisoformat(a["last"])
    groups = [(a["rule_id"], a["group"]) for a in body["attacks"]]
    assert len(groups) == len(set(groups))  # one campaign per rule and group
    assert {b["rule_id"] for b in body["benign"]} >= {
        "logs.auth.success-after-failures",
        "logs.web.webshell",
        "logs.mail.outbound-burst",
        "logs.web.scanner",
        "logs.web.sqli",
    }


def test_manifest_counts_agree_with_the_parsed_files(
    sample: SampleSet, parsed: dict[str, list[LogRecord]]
) -> None:
    for attack in sample.attacks:
        recs = parsed[attack.log]
        got = matching(attack, recs)
        if attack.rule_id == "logs.source.silent":
            inside = [r for r in recs if attack.first < r.time.timestamp() < attack.last]
            assert inside == [] and attack.last - attack.first >= 3 * 3600 - 60
        elif attack.rule_id == "logs.web.spike":
            assert len(got) >= attack.count  # the flood plus the ordinary traffic of that minute
            assert (attack.last - attack.first) < 60
        else:
            assert len(got) == attack.count, (attack.rule_id, attack.keys)
        if attack.rule_id == "logs.mail.outbound-burst":
            assert sum(r.recipients for r in got) == attack.weight == 300
        if attack.rule_id == "logs.auth.success-after-failures":
            assert [r.event for r in got][-1] is LogEvent.AUTH_SUCCESS
            assert Counter(r.event for r in got)[LogEvent.AUTH_FAILURE] >= 5
        if attack.rule_id == "logs.auth.spraying":
            assert len({r.account for r in got}) == attack.count >= 5
        if attack.rule_id == "logs.auth.account-attack":
            assert len({r.client for r in got}) >= 3
        if attack.rule_id in ("logs.auth.brute-force", "logs.auth.spraying", "logs.auth.account-attack"):
            assert (got[-1].time - got[0].time).total_seconds() < 600  # inside the rules' 10-minute window


def test_campaigns_are_class_pure(sample: SampleSet, parsed: dict[str, list[LogRecord]]) -> None:
    """An attacker of one campaign appears in no other campaign, and stays under other rules' bars."""
    clients = Counter(a.keys["client"] for a in sample.attacks if "client" in a.keys)
    assert max(clients.values()) == 1
    for attack in sample.attacks:
        if attack.rule_id in ("logs.auth.spraying", "logs.auth.success-after-failures"):
            failures = [r for r in matching(attack, parsed[attack.log]) if r.event is LogEvent.AUTH_FAILURE]
            assert len(failures) < 10  # not a brute force as well
        if attack.rule_id == "logs.auth.brute-force" and attack.keys["service"] != "postfix/smtpd":
            accounts = {r.account for r in matching(attack, parsed[attack.log])}
            assert len(accounts) < 5  # not a spraying as well


def test_benign_look_alikes(sample: SampleSet, parsed: dict[str, list[LogRecord]]) -> None:
    web = parsed["web"]
    for b in sample.benign:
        if b.rule_id == "logs.auth.success-after-failures":
            got = [r for r in within(b, parsed[b.log]) if r.client == b.keys["client"]]
            assert [r.event for r in got] == [
                LogEvent.AUTH_FAILURE,
                LogEvent.AUTH_FAILURE,
                LogEvent.AUTH_SUCCESS,
            ]
    form = {r.client for r in web if r.target == "/lien-he/gui.php" and r.method == "POST"}
    assert len(form) > 10
    admin = [r for r in web if r.target == "/quan-tri/luu-bai.php"]
    assert admin[0].time.timestamp() - sample_start(web) < 3600 and len({r.client for r in admin}) == 1
    assert any("select" in r.target for r in web if r.target.startswith("/tim-kiem"))
    letters = [r for r in parsed["mail"] if r.event is LogEvent.MAIL_SENT and r.account.startswith("bantin@")]
    assert letters and all(r.recipients == 60 for r in letters)
    assert all((b.time - a.time).total_seconds() >= 1000 for a, b in itertools.pairwise(letters))
    probes = [r for r in web if r.client == "10.0.0.2"]
    assert probes and all(r.user_agent == "Zabbix" and r.status == 200 for r in probes)


def sample_start(recs: list[LogRecord]) -> float:
    return min(r.time.timestamp() for r in recs)


def test_only_documentation_and_private_addresses(parsed: dict[str, list[LogRecord]]) -> None:
    seen = {r.client for recs in parsed.values() for r in recs if r.client}
    for text in seen:
        addr = ipaddress.ip_address(text)
        assert any(addr in net for net in ALLOWED), text


def test_mail_log_runs_into_the_new_year(tmp_path: Path) -> None:
    s = write_samples(
        tmp_path,
        web_lines=1000,
        mail_lines=40_000,
        auth_lines=500,
        start=datetime(2026, 12, 31, 10, tzinfo=UTC),
    )
    mail = records(s)["mail"]  # read with the year of its first line, as a reader infers it
    assert mail[0].time.year == 2026 and mail[-1].time.year == 2027
    assert all(b.time >= a.time for a, b in itertools.pairwise(mail))
    assert mail[-1].time < datetime(2027, 1, 2, tzinfo=UTC)
    # without a year, the reader takes it from the file's time (written at its last line: January)
    inferred = list(read_records(s.mail, fmt=None, tz=TZ, year=None, stats=ParseStats()))
    assert [r.time for r in inferred] == [r.time for r in mail]
