"""Issue 9, defects 1 and 7 through the CLI: ``canhgac scan good.yaml --resolver 192.0.2.53`` with
``scope.loopback_only`` is refused before the first packet (the connection log shows none), and a
resolver given as a name or with a bad port is a one-line error, never a traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from e2e_support import CONTACT_MARK, RECORDING_CLI, CliRun, run_guarded

GOOD = """version: 1
province: {code: LAB, name: "Tỉnh thử nghiệm"}
scope: {public_suffixes: [gov.test], loopback_only: true}
agencies:
  - {code: STTTT, name: "Sở Thông tin và Truyền thông", kind: department, domains: [stttt.gov.test],
     ranges: ["127.61.0.0/30"]}
"""


def scan(tmp_path: Path, *args: str) -> tuple[CliRun, list[tuple[str, str]]]:
    inventory = tmp_path / "good.yaml"
    inventory.write_text(GOOD, encoding="utf-8")
    run = run_guarded(RECORDING_CLI, "--workspace", tmp_path / "ws", "--lang", "en", "scan", inventory,
                      *args)
    contacts = [(m[1], m[2]) for m in re.finditer(rf"{CONTACT_MARK} (\S+) (\S*)", run.stderr)]
    return run, contacts


def _error_lines(run: CliRun) -> list[str]:
    return [line for line in run.stderr.splitlines() if line.strip() and CONTACT_MARK not in line]


def test_out_of_scope_resolver_is_refused_before_any_packet(tmp_path: Path) -> None:
    run, contacts = scan(tmp_path, "--resolver", "192.0.2.53", "--family", "mail.spf")
    assert run.code == 2, run.describe()
    assert _error_lines(run) == [
        "Error: resolver 192.0.2.53:53 (--resolver) is outside the scope: scope.loopback_only is true: only "
        "127.0.0.0/8 and ::1 may be asked; change --resolver or scope.resolvers in the inventory"
    ], run.describe()
    assert contacts == []  # no socket opened at all, to 192.0.2.53 or anywhere
    assert run.guard_refusals == []
    assert not (tmp_path / "ws").exists()  # refused before the store was even created


@pytest.mark.parametrize(("resolver", "message"), [
    ("dns.google", "Error: 'dns.google' is not a server address; give an IP address with an optional port, "
                   "like 127.0.0.1, 127.0.0.1:5353 or [::1]:53 (not a name)"),
    ("127.53.0.1:99999", "Error: '127.53.0.1:99999': the port must be a number from 1 to 65535"),
])
def test_malformed_resolver_is_a_one_line_error(tmp_path: Path, resolver: str, message: str) -> None:
    run, contacts = scan(tmp_path, "--resolver", resolver)
    assert run.code == 2, run.describe()
    assert _error_lines(run) == [message], run.describe()
    assert "Traceback" not in run.stderr
    assert contacts == []


def test_inventory_check_says_which_declared_assets_loopback_only_refuses(tmp_path: Path) -> None:
    inventory = tmp_path / "mixed.yaml"
    inventory.write_text(GOOD.replace('ranges: ["127.61.0.0/30"]',
                                      'ranges: ["127.61.0.0/30", "203.0.113.0/30"], '
                                      'portals: ["https://198.51.100.7/", "https://127.46.2.1/"]'),
                         encoding="utf-8")
    run = run_guarded(RECORDING_CLI, "--lang", "en", "inventory", "check", inventory, columns=250)
    assert run.code == 0, run.describe()
    warnings = [line for line in run.stdout.splitlines() if line.startswith("Warning:")]
    assert warnings == [
        "Warning: STTTT: range 203.0.113.0/30 is outside loopback-only mode; its addresses off 127.0.0.0/8 "
        "and ::1 will not be scanned",
        "Warning: STTTT: https://198.51.100.7/ is outside loopback-only mode and will not be scanned",
    ], run.describe()



def test_scan_warns_about_declared_range_addresses_the_scope_refused(tmp_path: Path) -> None:
    """The port scan's refusals were silent (its summary was discarded): now a warning line."""
    mixed = GOOD.replace('ranges: ["127.61.0.0/30"]', 'ranges: ["127.61.0.0/30", "203.0.113.0/30"]')
    inventory = tmp_path / "mixed.yaml"
    inventory.write_text(mixed, encoding="utf-8")
    run = run_guarded(RECORDING_CLI, "--workspace", tmp_path / "ws", "--lang", "en", "scan", inventory,
                      "--resolver", "127.0.0.1:9", "--family", "net.drift", "--ports", "9", "--no-store",
                      columns=250)
    assert run.code == 0, run.describe()
    assert ("Warning: STTTT: 2 address(es) of range 203.0.113.0/30 are outside the declared scope "
            "(loopback-only mode) and were not scanned") in run.stdout.splitlines(), run.describe()
    contacted = {m[1] for m in re.finditer(rf"{CONTACT_MARK} (\S+) (\S*)", run.stderr)}
    assert contacted and all(a.startswith("127.61.0.") for a in contacted), contacted
    assert run.guard_refusals == []


def test_the_refusal_is_in_vietnamese_by_default(tmp_path: Path) -> None:
    inventory = tmp_path / "good.yaml"
    inventory.write_text(GOOD, encoding="utf-8")
    run = run_guarded(RECORDING_CLI, "--workspace", tmp_path / "ws", "scan", inventory,
                      "--resolver", "192.0.2.53", columns=250)
    assert run.code == 2, run.describe()
    expected = ("máy chủ phân giải 192.0.2.53:53 (--resolver) nằm ngoài phạm vi: "
                "scope.loopback_only đang bật: chỉ được hỏi 127.0.0.0/8 và ::1; "
                "hãy đổi --resolver hoặc scope.resolvers trong danh mục")
    assert expected in run.stderr
    assert CONTACT_MARK not in run.stderr
