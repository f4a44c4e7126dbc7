"""Issue 12 item 4: the inventory is read as a stream, one agency at a time, and still reads as
a whole-file load did: anchors and merge keys across agencies, a duplicated ``agencies`` key,
problems placed in agencies whose nodes are long gone, bad bytes deep in a large file."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from textwrap import dedent

import pytest

from canhgac.inventory.loader import (
    InventoryError,
    LoadProgress,
    check_inventory,
    load_inventory,
    loads_inventory,
)
from canhgac.inventory.yaml_stream import CHUNK

HEAD = """\
version: 1
province: {code: KG, name: "Tỉnh Kiên Giang"}
agencies:
"""


def problems(text: str) -> list[str]:
    with pytest.raises(InventoryError) as info:
        loads_inventory(text, "inv.yaml")
    return [str(p) for p in info.value.problems]


def test_anchors_and_merge_keys_reach_across_agencies() -> None:
    text = HEAD + dedent("""\
      - &base {code: UBND, name: "UBND", kind: other, tags: [shared]}
      - <<: *base
        code: STTTT
        parent: UBND
    """)
    inv = loads_inventory(text)
    assert [(a.code, a.kind, a.tags, a.parent) for a in inv.agencies] == [
        ("UBND", "other", ("shared",), None), ("STTTT", "other", ("shared",), "UBND")]


def test_a_duplicate_key_in_a_shared_mapping_is_reported_once() -> None:
    text = HEAD + dedent("""\
      - &base {code: A1, name: "A", name: "B", kind: other}
      - {<<: *base, code: A2}
      - {<<: *base, code: A3}
    """)
    assert problems(text) == [  # not once per agency that merges it, nor 'code' for an override
        "inv.yaml:4:31: key 'name' appears twice in this mapping (first on line 4); "
        "YAML keeps only the last one, remove or merge the duplicate"]


def test_an_anchored_agency_list_still_loads() -> None:
    text = HEAD.replace("agencies:\n", "agencies: &all\n") + "  - {code: A1, name: A, kind: other}\n"
    assert [a.code for a in loads_inventory(text).agencies] == ["A1"]


def test_a_second_agencies_key_wins_as_in_yaml_and_is_reported() -> None:
    text = HEAD + "  - {code: A1, name: A, kind: bad}\nagencies:\n  - {code: B1, name: B, kind: nope}\n"
    assert problems(text) == [
        "inv.yaml:5:1: key 'agencies' appears twice in this mapping (first on line 3); "
        "YAML keeps only the last one, remove or merge the duplicate",
        "inv.yaml:6:31: agencies[0].kind: 'nope' is not allowed here; use one of 'department', "
        "'district', 'commune', 'provider', 'other'",
    ]


def test_sections_after_the_agencies_are_read_too() -> None:
    text = dedent("""\
        agencies:
          - {code: A1, name: A, kind: other, domains: [a.lab.test]}
        scope: {public_suffixes: [lab.test]}
        province: {code: KG, name: KG}
        version: 1
    """)
    assert loads_inventory(text).agencies[0].domains[0].name == "a.lab.test"
    assert problems(text.replace("version: 1", "version: 2")) == [
        "inv.yaml:5:10: version: unsupported inventory version 2; this canhgac reads 'version: 1'"]
    # the public suffix is known only after the agencies: the file-wide rule still sees it
    assert problems(text.replace("[a.lab.test]", "[lab.test]")) == [
        "inv.yaml:2:48: agencies[0].domains[0].name: 'lab.test' is a public suffix: declaring it would "
        "put every name under it in scope; declare the agency's own domain"]


def test_file_wide_problems_are_placed_after_the_agencies_nodes_are_gone() -> None:
    base = "  - {code: BASE, name: B, kind: other, domains: [{name: b.gov.vn}]}\n"
    filler = "".join(f"  - {{code: F{i}, name: F, kind: other}}\n" for i in range(300))
    merged = "  - {<<: {domains: [b.gov.vn]}, code: MERGED, name: M, kind: other}\n"
    text = HEAD + base + filler + merged + "  - {code: F7, name: again, kind: other, hosted_by: F1}\n"
    assert problems(text) == [  # lines 4 (BASE), 5-304 (F0-F299), 305 (MERGED), 306 (F7 again)
        "inv.yaml:305:21: agencies[301].domains[0].name: domain 'b.gov.vn' is already "
        "declared by agency 'BASE'; declare each domain once",  # where the merged mapping writes it
        "inv.yaml:306:12: agencies[302].code: agency code 'F7' is used twice "
        "(first at agencies[8]); codes must be unique",
        "inv.yaml:306:53: agencies[302].hosted_by: hosted_by 'F1' names an agency of kind "
        "'other'; it must be of kind 'provider'",
    ]


def test_two_documents_are_refused_as_before() -> None:
    (found,) = problems(HEAD + "  - {code: A1, name: A, kind: other}\n---\nversion: 1\n")
    assert found.startswith("inv.yaml:5:1: not valid YAML: but found another document")


def test_a_bad_byte_far_into_the_file_names_its_line(tmp_path: Path) -> None:
    rows = "".join(f'  - {{code: A{i}, name: "Sở số {i}", kind: other}}\n' for i in range(3000))
    data = (HEAD + rows).encode("utf-8")
    assert len(data) > 2 * CHUNK
    cut = data.index("Sở số 2500".encode()) + 1  # inside the two bytes of 'ở'
    path = tmp_path / "inv.yaml"
    path.write_bytes(data[:cut] + b"\xff" + data[cut + 1:])
    line = data[:cut].count(b"\n") + 1
    with pytest.raises(InventoryError, match=rf"inv\.yaml:{line}: the file is not UTF-8 text"):
        check_inventory(path)
    assert line == 4 + 2500


def test_a_folder_is_not_an_inventory(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match=r"cannot read the file \(Is a directory\)"):
        load_inventory(tmp_path)


def test_an_inventory_can_come_through_a_pipe(tmp_path: Path) -> None:
    """``canhgac inventory check <(zcat inventory.yaml.gz)``: no size to show, read all the same."""
    fifo = tmp_path / "inventory.fifo"
    os.mkfifo(fifo)
    text = HEAD + "".join(f"  - {{code: A{i}, name: A, kind: other}}\n" for i in range(2000))
    writer = threading.Thread(target=fifo.write_text, args=(text,), kwargs={"encoding": "utf-8"})
    writer.start()
    heard: list[LoadProgress] = []
    try:
        summary = check_inventory(fifo, progress=heard.append)
    finally:
        writer.join(timeout=10)
    assert summary.agencies == 2000
    assert heard[-1] == LoadProgress(2000, len(text.encode()), None)
    assert all(p.bytes_total is None for p in heard)
