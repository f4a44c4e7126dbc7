"""The CLI on bad input and a bad network: broken inventories are refused naming file:line
with exit 2, an unknown agency is refused, an unreachable resolver gives ``error`` results
(never a pass), and a loopback-only scope keeps name servers off the machine uncontacted."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from e2e_support import GUARD_MARK, BackgroundLoop, CliRun, read_results, run_cli, run_guarded

from canhgac.engine.results import CheckResult, ErrorReason, Status
from canhgac.lab.dns_server import LabDnsServer

# Nothing listens there: the kernel answers "port unreachable", or nothing does.
UNREACHABLE_RESOLVER = "127.0.0.9:9"
OFF_MACHINE_NS = "192.0.2.53"  # TEST-NET-1, named by the zone, must never be contacted
OFF_MACHINE_FOREIGN_NS = "198.51.100.53"  # TEST-NET-2, an NS host outside the agency's domain

VALID = """\
version: 1
province: {code: KG, name: "Tỉnh Kiên Giang"}
scope: {public_suffixes: [gov.test], loopback_only: true}
agencies:
  - code: A1
    name: "Sở Thử nghiệm"
    kind: department
    domains: [scope.gov.test]
"""


@dataclass(frozen=True)
class Broken:
    text: str
    line: int
    says: str


KIND = "    kind: department\n"
BROKEN = {
    "bad-domain": Broken(VALID.replace("[scope.gov", "[scope..gov"), 8, "is not a valid domain name"),
    "duplicate-key": Broken(VALID.replace(KIND, KIND + "    kind: other\n"), 8, "appears twice"),
    "unknown-parent": Broken(VALID.replace(KIND, KIND + "    parent: UBND\n"), 8, "'UBND' is not an agency"),
    "not-yaml": Broken(VALID.replace('Giang"}', 'Giang"'), 3, "not valid YAML"),  # an unclosed {
}


def _write(folder: Path, text: str, name: str = "inventory.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_inventory_is_refused_naming_file_and_line(tmp_path: Path, case: str) -> None:
    broken = BROKEN[case]
    path = _write(tmp_path, broken.text)
    check = run_cli("--lang", "en", "inventory", "check", path)  # no COLUMNS: as in a pipe or CI log
    assert check.code == 2, check.describe()
    line = next((x for x in check.stderr.splitlines() if x.startswith(f"{path}:{broken.line}:")), None)
    assert line is not None and broken.says in line, check.describe()
    scan = run_cli("--lang", "en", "--workspace", tmp_path / "ws", "scan", path,
                   "--resolver", UNREACHABLE_RESOLVER, columns=1000)
    assert scan.code == 2, scan.describe()
    assert f"{path}:{broken.line}:" in scan.stderr and broken.says in scan.stderr, scan.describe()
    assert not (tmp_path / "ws").exists()  # refused before any store was opened


def test_scan_names_file_and_line_on_one_line_off_a_terminal(tmp_path: Path) -> None:
    """Off a terminal Rich assumes 80 columns; a long path must still not be folded (editors
    and CI log parsers jump to "file:line")."""
    folder = tmp_path / "an-agency-folder-with-a-long-name" / "inventories-of-the-province-2024"
    folder.mkdir(parents=True)
    path = _write(folder, BROKEN["duplicate-key"].text)
    scan = run_cli("--lang", "en", "--workspace", tmp_path / "ws", "scan", path, "-r", UNREACHABLE_RESOLVER)
    assert scan.code == 2
    assert f"{path}:8:" in scan.stderr, scan.stderr


def test_an_unknown_agency_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, VALID)
    scan = run_cli("--lang", "en", "--workspace", tmp_path / "ws", "scan", path, "--agency", "NOPE",
                   "--resolver", UNREACHABLE_RESOLVER, columns=1000)
    assert scan.code == 2, scan.describe()
    assert "unknown agency code(s): NOPE" in scan.stderr


@pytest.fixture(scope="module")
def unreachable_scan(tmp_path_factory: pytest.TempPathFactory) -> tuple[CliRun, list[CheckResult]]:
    folder = tmp_path_factory.mktemp("unreachable")
    path = _write(folder, VALID)
    out = folder / "results.jsonl"
    scan = run_cli("--lang", "en", "--workspace", folder / "ws", "scan", path, "--resolver",
                   UNREACHABLE_RESOLVER, "--timeout", "0.2", "--json-out", out, columns=250)
    return scan, read_results(out)


def test_an_unreachable_resolver_gives_errors_not_passes(
    unreachable_scan: tuple[CliRun, list[CheckResult]],
) -> None:
    scan, results = unreachable_scan
    assert scan.code == 3, scan.describe()  # it finishes and saves its run, incomplete: ExitCode.INCOMPLETE
    assert "Saved as run #1." in scan.stdout and "0 failed" in scan.stdout
    assert results, "no result at all"
    assert not [r.check_id for r in results if r.status in (Status.PASS, Status.FAIL)]
    errors = [r for r in results if r.status is Status.ERROR]
    assert {r.error_reason for r in errors} <= {ErrorReason.TIMEOUT, ErrorReason.CONNECTION}


def test_an_unreachable_resolver_gives_only_errors(
    unreachable_scan: tuple[CliRun, list[CheckResult]],
) -> None:
    """Not even not_applicable: reconciliation treats it as fixed, so an outage would fix findings."""
    _, results = unreachable_scan
    assert [r.check_id for r in results if r.status is not Status.ERROR] == []


SCOPE_ZONE = """$TTL 3600
@       SOA   ns1 hostmaster 2024060101 3600 900 1209600 300
@       NS    ns1
@       NS    ns2
@       NS    ns.elsewhere.test.
ns1     A     {ns1}
ns2     A     {off_machine}
@       MX    10 mail
mail    A     192.0.2.25
@       TXT   "v=spf1 mx -all"
_dmarc  TXT   "v=DMARC1; p=reject; rua=mailto:dmarc@scope.gov.test"
"""
ELSEWHERE_ZONE = """$TTL 3600
@       SOA   ns hostmaster 1 3600 900 1209600 300
@       NS    ns
ns      A     {foreign}
"""


@pytest.fixture
def scope_server() -> Iterator[LabDnsServer]:
    """One loopback server that is both resolver and ns1; ns2 and a foreign NS are off the machine."""
    rng = random.Random()
    address = f"127.{rng.randint(100, 199)}.{rng.randint(0, 255)}.{rng.randint(1, 250)}"
    zones = {
        "scope.gov.test": SCOPE_ZONE.format(ns1=address, off_machine=OFF_MACHINE_NS),
        "elsewhere.test": ELSEWHERE_ZONE.format(foreign=OFF_MACHINE_FOREIGN_NS),
    }
    background = BackgroundLoop()
    server = LabDnsServer(zones, address=address)
    try:
        background.run(server.start())
        try:
            yield server
            assert server.internal_errors == 0
        finally:
            background.run(server.stop())
    finally:
        background.close()


def test_a_loopback_only_scope_never_contacts_off_machine_name_servers(
    tmp_path: Path, scope_server: LabDnsServer
) -> None:
    path = _write(tmp_path, VALID)
    out = tmp_path / "results.jsonl"
    where = f"{scope_server.address}:{scope_server.port}"
    scan = run_cli("--lang", "en", "--workspace", tmp_path / "ws", "scan", path, "--resolver", where,
                   "--nameserver-port", str(scope_server.port), "--timeout", "1", "--json-out", out,
                   columns=250)  # run_cli fails the test if the loopback guard refused anything
    assert scan.code == 3, scan.describe()  # incomplete: the off-machine name servers were not tested
    results = {r.check_id: r for r in read_results(out)}
    for check_id in ("dns.ns.lame", "dns.axfr.open"):
        result = results[check_id]
        assert result.status is Status.ERROR and result.error_reason is ErrorReason.OUT_OF_SCOPE, result
        detail = str(result.message.values["detail"])
        for address in (OFF_MACHINE_NS, OFF_MACHINE_FOREIGN_NS):
            assert address in detail, detail
    lame_untested = results["dns.ns.lame"].evidence["untested"]
    assert isinstance(lame_untested, list)
    assert sorted(map(str, lame_untested)) == [
        f"ns.elsewhere.test ({OFF_MACHINE_FOREIGN_NS}): out of scope",
        f"ns2.scope.gov.test ({OFF_MACHINE_NS}): out of scope",
    ]
    axfr_servers = results["dns.axfr.open"].evidence["servers"]
    assert isinstance(axfr_servers, list)
    tried = {str(s["address"]): s["axfr"] for s in axfr_servers if isinstance(s, dict)}
    off_machine = dict.fromkeys((OFF_MACHINE_NS, OFF_MACHINE_FOREIGN_NS), "not_tried")
    expected = {scope_server.address: "refused", **off_machine}
    assert tried == expected
    serials = results["dns.ns.consistency"].evidence["serials"]
    assert isinstance(serials, dict)
    assert list(serials) == [f"ns1.scope.gov.test ({scope_server.address})"]  # only ns1 was asked


def test_the_guard_report_catches_refusals_the_caller_swallows() -> None:
    """The control for the test above: a refused address is reported even when the OSError is
    swallowed. A numeric getaddrinfo does no I/O, so nothing could leave even without the guard."""
    code = (
        "import socket\n"
        "try:\n"
        f"    socket.getaddrinfo('{OFF_MACHINE_NS}', 53)\n"
        "except OSError:\n"
        "    pass\n"
    )
    run = run_guarded(code)
    assert run.code == 0, run.describe()
    assert [line.split(GUARD_MARK)[1].strip() for line in run.guard_refusals] == [
        f"loopback guard: refusing to contact {OFF_MACHINE_NS}"
    ]


def test_an_unknown_family_is_refused_with_suggestions_before_anything_is_sent(tmp_path: Path) -> None:
    """`-f mail.spff` used to scan nothing and exit 0; now it is refused, naming the close family."""
    path = _write(tmp_path, VALID)
    run = run_cli("--workspace", tmp_path / "ws", "--lang", "en", "scan", path,
                  "--resolver", UNREACHABLE_RESOLVER, "--family", "mail.spff")
    assert run.code == 2, run.describe()
    assert "Traceback" not in run.stderr
    assert "mail.spff" in run.stderr and "mail.spf" in run.stderr.replace("mail.spff", ""), run.describe()
    assert not (tmp_path / "ws").exists()  # refused before the store was opened


def test_an_unknown_check_id_is_refused_with_suggestions(tmp_path: Path) -> None:
    path = _write(tmp_path, VALID)
    run = run_cli("--workspace", tmp_path / "ws", "--lang", "en", "scan", path,
                  "--resolver", UNREACHABLE_RESOLVER, "--check", "mail.spf.polcy")
    assert run.code == 2, run.describe()
    assert "Traceback" not in run.stderr
    assert "mail.spf.policy" in run.stderr, run.describe()


def test_check_narrows_a_scan_to_those_ids(tmp_path: Path) -> None:
    path = _write(tmp_path, VALID)
    out = tmp_path / "results.jsonl"
    run = run_cli("--workspace", tmp_path / "ws", "--lang", "en", "scan", path, "--no-store",
                  "--resolver", UNREACHABLE_RESOLVER, "--timeout", "0.2",
                  "--check", "mail.spf.present", "--check", "mail.mx.present", "--json-out", out)
    assert run.code in (0, 1, 3), run.describe()
    assert {r.check_id for r in read_results(out)} == {"mail.spf.present", "mail.mx.present"}
