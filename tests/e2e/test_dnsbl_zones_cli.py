"""Issue 11 item 8 through the CLI: blocklist zones are configuration.

A lab DNS server on loopback plays the province's resolver: it holds the agencies' zone (two
mail hosts, one of them listed), an RFC 5782 blocklist ``bl.lab.test``, a stand-in for
``zen.spamhaus.org`` refusing this "public" resolver (127.255.255.254 for every name) and a
dead zone. A zone that fails its liveness test is one warning line for the run (printed, stored
with the run, in the report), never an error on each mail host; ``--dnsbl-zone`` wins over the
inventory's ``mail.dnsbl_zones``; a zone that is not a DNS name is refused in one line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import (
    CONTACT_MARK,
    RECORDING_CLI,
    BackgroundLoop,
    CliRun,
    read_results,
    run_cli,
    run_guarded,
)
from loopback_support import random_loopback

from canhgac.engine.results import Status
from canhgac.lab.dns_server import LabDnsServer

SOA = "$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 300\n@ IN NS ns\nns IN A 127.0.0.53\n"
GOV = SOA + """
stttt IN MX 10 mail.stttt
mail.stttt IN A 127.25.9.1
syt IN MX 10 mail.syt
mail.syt IN A 127.25.9.2
"""
ZONES = {
    "gov.test": GOV,
    "bl.lab.test": SOA + "2.0.0.127 IN A 127.0.0.2\n2.9.25.127 IN A 127.0.0.2\n",
    "zen.spamhaus.org": SOA + "* IN A 127.255.255.254\n",
    "dead.lab.test": SOA,
}
INVENTORY = """version: 1
province: {{code: LAB, name: "Tỉnh thử nghiệm"}}
scope: {{public_suffixes: [gov.test], loopback_only: true}}
mail: {{dnsbl_zones: {zones}}}
agencies:
  - {{code: STTTT, name: "Sở Thông tin và Truyền thông", kind: department, domains: [stttt.gov.test]}}
  - {{code: SYT, name: "Sở Y tế", kind: department, domains: [syt.gov.test]}}
"""
SPAMHAUS_WARNING = (
    "Warning: DNS blocklist zen.spamhaus.org failed its liveness test and is not used in this run: the zone "
    "refused the query: 127.255.255.254 (query via a public/open resolver refused). Mail servers are judged "
    "with the other zones; choose the zones with --dnsbl-zone or mail.dnsbl_zones in the inventory "
    "(docs/mail-servers.md)"
)


@pytest.fixture(scope="module")
def resolver() -> Iterator[str]:
    background = BackgroundLoop()
    server = LabDnsServer(zones=ZONES, address=random_loopback())
    try:
        background.run(server.start())
        yield f"{server.address}:{server.port}"
        assert server.internal_errors == 0
    finally:
        background.run(server.stop())
        background.close()


def scan(tmp_path: Path, resolver: str, zones: str, *args: str) -> CliRun:
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(INVENTORY.format(zones=zones), encoding="utf-8")
    return run_cli("--workspace", tmp_path / "ws", "--lang", "en", "scan", inventory, "--resolver", resolver,
                   "--family", "mail.dnsbl", *args, columns=400)


def warnings(run: CliRun) -> list[str]:
    return [line for line in run.stdout.splitlines() if line.startswith("Warning:")]


def test_a_refusing_zone_is_one_warning_kept_with_the_run_and_the_hosts_are_judged(
        tmp_path: Path, resolver: str) -> None:
    run = scan(tmp_path, resolver, "[zen.spamhaus.org, bl.lab.test]", "--json-out", str(tmp_path / "r.jsonl"))
    assert run.code == 0, run.describe()  # no error result: nothing "could not be tested"
    assert warnings(run) == [SPAMHAUS_WARNING], run.describe()
    results = {r.target.name: r for r in read_results(tmp_path / "r.jsonl")}
    assert {name: r.status for name, r in results.items()} == {
        "mail.stttt.gov.test": Status.PASS, "mail.syt.gov.test": Status.FAIL}
    assert results["mail.stttt.gov.test"].message.values["zones"] == "bl.lab.test"
    report = run_cli("--workspace", tmp_path / "ws", "--lang", "en", "report", "--run", "1",
                     "--format", "json", "--out", tmp_path / "out", columns=400)
    assert report.code == 0, report.describe()
    document = json.loads(next((tmp_path / "out").glob("*.json")).read_text(encoding="utf-8"))
    assert document["report"]["run"]["warnings"] == [SPAMHAUS_WARNING.removeprefix("Warning: ")]


def test_the_command_line_wins_over_the_inventory(tmp_path: Path, resolver: str) -> None:
    run = scan(tmp_path, resolver, "[zen.spamhaus.org]", "--dnsbl-zone", "DEAD.lab.test.", "--no-store",
               "--json-out", str(tmp_path / "r.jsonl"))
    assert run.code == 0, run.describe()
    [warning] = warnings(run)
    assert warning.startswith("Warning: DNS blocklist dead.lab.test failed its liveness test") and (
        "does not list its RFC 5782 test entry 127.0.0.2 (nxdomain)" in warning), run.describe()
    results = read_results(tmp_path / "r.jsonl")
    assert {(r.status, r.message.key) for r in results} == {(Status.NOT_APPLICABLE, "no-live-zone")}
    assert len(results) == 2


def test_no_dnsbl_turns_the_inventory_zones_off(tmp_path: Path, resolver: str) -> None:
    run = scan(tmp_path, resolver, "[dead.lab.test]", "--no-dnsbl", "--no-store",
               "--json-out", str(tmp_path / "r.jsonl"))
    assert run.code == 0 and warnings(run) == [], run.describe()
    assert {r.message.key for r in read_results(tmp_path / "r.jsonl")} == {"no-zones"}


@pytest.mark.parametrize(("args", "message"), [
    (("--dnsbl-zone", "bl spamcop.net"),
     "Error: --dnsbl-zone 'bl spamcop.net' is not a DNS blocklist zone (it contains a space); write it like "
     "bl.spamcop.net"),
    (("--dnsbl-zone", "127.0.0.2"),
     "Error: --dnsbl-zone '127.0.0.2' is not a DNS blocklist zone (it is an IP address, not a zone name); "
     "write it like bl.spamcop.net"),
    (("--dnsbl-zone", "bl.spamcop.net", "--no-dnsbl"),
     "Error: --dnsbl-zone and --no-dnsbl exclude each other; give one of them"),
])
def test_bad_zone_options_are_one_line_errors_before_any_packet(
        tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(INVENTORY.format(zones="[bl.lab.test]"), encoding="utf-8")
    run = run_guarded(RECORDING_CLI, "--workspace", tmp_path / "ws", "--lang", "en", "scan", inventory,
                      "--resolver", "127.0.0.1:9", *args, columns=400)
    assert run.code == 2, run.describe()
    lines = [line for line in run.stderr.splitlines() if line.strip() and CONTACT_MARK not in line]
    assert lines == [message], run.describe()
    assert not re.search(rf"{CONTACT_MARK} \S+", run.stderr)  # nothing contacted
    assert not (tmp_path / "ws").exists()
