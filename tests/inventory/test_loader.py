"""Loading inventory files: every error names the file, line, column and field, and how to fix it."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from canhgac.inventory.loader import (
    MAX_SHOWN,
    InventoryError,
    dump_inventory,
    load_inventory,
    loads_inventory,
)

HEAD = """\
version: 1
province: {code: KG, name: "Tỉnh Kiên Giang"}
agencies:
"""


def problems(text: str, tmp_path: Path, name: str = "inventory.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    prefix = str(tmp_path) + "/"
    return [str(p).removeprefix(prefix) for p in info.value.problems]


def test_sample_loads(sample_path: Path) -> None:
    inv = load_inventory(sample_path)
    assert inv.province.code == "KG"
    assert [a.code for a in inv.agencies] == ["UBND", "VNPTKG", "STTTT"]
    stttt = inv.agency("STTTT")
    assert stttt.policy is not None and stttt.policy.intrusive_probes is False
    # an unquoted 19:00 (YAML 1.1 would read the number 1140) is kept as a time of day
    assert stttt.policy.windows[0].start.hour == 19


def test_domain_error_names_line_column_and_fix(tmp_path: Path) -> None:
    text = HEAD + dedent("""\
      - code: UBND
        name: "Ủy ban nhân dân tỉnh"
        kind: other
      - code: STTTT
        name: "Sở Thông tin và Truyền thông"
        kind: department
        domains:
          - name: stttt..gov.vn
    """)
    assert problems(text, tmp_path) == [
        "inventory.yaml:11:13: agencies[1].domains[0].name: 'stttt..gov.vn' is not a valid domain "
        "name (two dots in a row); write it like 'stttt.kiengiang.gov.vn'"
    ]


def test_all_errors_are_collected_in_line_order(tmp_path: Path) -> None:
    text = HEAD + dedent("""\
      - code: stttt
        name: "Sở"
        kind: ministry
        ranges: [203.0.113.0/33]
        portals: ["ftp://stttt.gov.vn/"]
        domian: [a.gov.vn]
      - name: "Không mã"
        kind: other
    """)
    assert problems(text, tmp_path) == [
        "inventory.yaml:4:9: agencies[0].code: 'stttt' is not a valid code; use 2 to 32 capital "
        "letters, digits, '_' or '-', like 'STTTT'",
        "inventory.yaml:6:9: agencies[0].kind: 'ministry' is not allowed here; use one of "
        "'department', 'district', 'commune', 'provider', 'other'",
        "inventory.yaml:7:12: agencies[0].ranges[0]: '203.0.113.0/33' is not a valid address "
        "range; write it like '203.0.113.0/28' or '2001:db8::/48'",
        "inventory.yaml:8:13: agencies[0].portals[0]: 'ftp://stttt.gov.vn/' is not a valid portal "
        "URL (only http:// and https:// are scanned); write it like 'https://stttt.kiengiang.gov.vn/'",
        "inventory.yaml:9:3: agencies[0].domian: unknown field 'domian'; did you mean 'domains'?",
        "inventory.yaml:10:3: agencies[1].code: required field 'code' is missing; add it",
    ]


def test_cross_reference_errors_are_placed(tmp_path: Path) -> None:
    text = HEAD + dedent("""\
      - {code: A1, name: "A1", kind: department, parent: A2}
      - {code: A2, name: "A2", kind: department, parent: A1, hosted_by: A1}
      - code: A3
        name: "A3"
        kind: department
        domains: [a.gov.vn, A.GOV.VN]
    """)
    assert problems(text, tmp_path) == [
        "inventory.yaml:4:52: agencies[0].parent: parent chain loops back to itself "
        "(A1 -> A2 -> A1); an agency cannot be its own ancestor",
        "inventory.yaml:5:52: agencies[1].parent: parent chain loops back to itself "
        "(A2 -> A1 -> A2); an agency cannot be its own ancestor",
        "inventory.yaml:5:67: agencies[1].hosted_by: hosted_by 'A1' names an agency of kind "
        "'department'; it must be of kind 'provider'",
        "inventory.yaml:9:23: agencies[2].domains[1].name: domain 'a.gov.vn' is already declared "
        "by agency 'A3'; declare each domain once",
    ]


def test_duplicate_keys_are_reported(tmp_path: Path) -> None:
    text = HEAD + dedent("""\
      - code: STTTT
        name: "Sở A"
        kind: department
        name: "Sở B"
    """)
    assert problems(text, tmp_path) == [
        "inventory.yaml:7:3: key 'name' appears twice in this mapping (first on line 5); "
        "YAML keeps only the last one, remove or merge the duplicate"
    ]


def test_yaml_syntax_error_has_yaml_line(tmp_path: Path) -> None:
    text = HEAD + '  - code: "STTTT\n    name: x\n'
    (found,) = problems(text, tmp_path)
    assert found.startswith("inventory.yaml:6:1: not valid YAML: found unexpected end of stream")


def test_empty_missing_and_non_utf8_files(tmp_path: Path) -> None:
    assert problems("# nothing yet\n", tmp_path) == [
        "inventory.yaml: the file is empty; an inventory starts with 'version: 1'"
    ]
    with pytest.raises(InventoryError, match=r"nope\.yaml: file not found; check the path"):
        load_inventory(tmp_path / "nope.yaml")
    (tmp_path / "latin.yaml").write_bytes(b'version: 1\nprovince: {code: KG, name: "T\xecnh"}\n')
    with pytest.raises(InventoryError, match=r"latin\.yaml:2: the file is not UTF-8 text"):
        load_inventory(tmp_path / "latin.yaml")


def test_wrong_version_and_wrong_top_level(tmp_path: Path) -> None:
    assert problems("version: 2\nprovince: {code: KG, name: x}\n", tmp_path) == [
        "inventory.yaml:1:10: version: unsupported inventory version 2; this canhgac reads 'version: 1'"
    ]
    assert problems("- version: 1\n", tmp_path) == [
        "inventory.yaml:1:1: the top level must be a mapping of fields, starting with 'version: 1'"
    ]


def test_yaml_boolean_where_text_was_meant(tmp_path: Path) -> None:
    text = HEAD + "  - {code: UBND, name: no, kind: other}\n"
    assert problems(text, tmp_path) == [
        "inventory.yaml:4:24: agencies[0].name: expected text (found no); "
        "if you meant the text 'no', put it in quotes"
    ]


def test_many_errors_are_all_kept_but_the_message_is_capped(tmp_path: Path) -> None:
    rows = "".join(f"  - {{code: A{i:02d}, name: x, kind: bad}}\n" for i in range(MAX_SHOWN + 5))
    (tmp_path / "inventory.yaml").write_text(HEAD + rows, encoding="utf-8")
    with pytest.raises(InventoryError) as info:
        load_inventory(tmp_path / "inventory.yaml")
    assert len(info.value.problems) == MAX_SHOWN + 5
    lines = str(info.value).splitlines()
    assert len(lines) == MAX_SHOWN + 1 and lines[-1] == "... and 5 more problems"


def test_dump_round_trips(sample_path: Path) -> None:
    inv = load_inventory(sample_path)
    text = dump_inventory(inv, source="agencies.csv")
    assert text.startswith("# canhgac inventory") and "# imported from agencies.csv" in text
    assert loads_inventory(text) == inv


def test_documented_example_is_valid() -> None:
    doc = Path(__file__).parents[2] / "docs" / "inventory.md"
    example = doc.read_text(encoding="utf-8").split("```yaml\n", 1)[1].split("```", 1)[0]
    inv = loads_inventory(example, "docs/inventory.md")
    assert inv.agency("STTTT").domains[1].name == "xn--stttt-5c2b.kiengiang.gov.vn"


def test_mail_section_declares_the_blocklist_zones(tmp_path: Path) -> None:
    head = HEAD.replace("agencies:\n", "")
    inv = loads_inventory(head + "mail: {dnsbl_zones: [BL.SpamCop.net., psbl.surriel.com]}\n")
    assert inv.mail.dnsbl_zones == ("bl.spamcop.net", "psbl.surriel.com")
    assert loads_inventory(head + "mail: {dnsbl_zones: []}\n").mail.dnsbl_zones == ()  # the check off
    assert loads_inventory(head).mail.dnsbl_zones is None  # canhgac's defaults
    off = loads_inventory(head + "mail: {dnsbl_zones: []}\n")
    assert loads_inventory(dump_inventory(off)) == off
    bad = head + dedent("""\
        mail:
          dnsbl_zones: [bl.spamcop.net, "zen spamhaus.org", 127.0.0.2, bl.spamcop.net.]
        """)
    assert problems(bad, tmp_path) == [
        "inventory.yaml:4:33: mail.dnsbl_zones[1]: 'zen spamhaus.org' is not a DNS blocklist zone "
        "(it contains a space); write it like 'bl.spamcop.net'",
        "inventory.yaml:4:53: mail.dnsbl_zones[2]: '127.0.0.2' is not a DNS blocklist zone "
        "(it is an IP address, not a zone name); write it like 'bl.spamcop.net'",
    ]
    assert problems(head + "mail: {dnsbl_zones: [a.example, A.example.]}\n", tmp_path) == [
        "inventory.yaml:3:21: mail.dnsbl_zones: 'a.example' is listed twice; list it once",
    ]
