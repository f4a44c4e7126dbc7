"""Issue 16 item 1: real export columns (HIBP's domain search, DeHashed) read as what they mean,
and the fast pre-search finding IDN domains written in any mix of upper and lower case.

A ``domain`` column of an export is the address's domain (HIBP lists ``Alias`` and ``Domain``),
never the breached service; DeHashed's ``database_name`` is the breach, its ``name`` a person and
its ``address`` a postal address.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from breach_support import OWNERS

from canhgac.creds.breach import BreachMeta, Checkpoint, DomainMatcher, Hit, SecretKeeper, import_file
from canhgac.creds.breach.domains import fold
from canhgac.creds.breach.formats import Layout, Shape, detect, read_line

META = BreachMeta("Given on the command line", dt.date(2020, 1, 1), "")
KEEPER = SecretKeeper("test installation")
MATCHER = DomainMatcher(OWNERS)
IDN_ACCOUNT = "xn--s-ti-chnh-s1a1mq649a.vn"  # sở-tài-chính.vn, STC's


class Keep:
    def __init__(self) -> None:
        self.hits: list[Hit] = []

    def checkpoint(self, identity: str, meta: BreachMeta) -> Checkpoint | None:
        return None

    def commit(self, hits: list[Hit], checkpoint: Checkpoint, meta: BreachMeta, name: str) -> None:
        self.hits.extend(hits)


def _import(path: Path, text: str) -> tuple[list[Hit], Checkpoint]:
    path.write_text(text, encoding="utf-8")
    sink = Keep()
    point = import_file(path, MATCHER, KEEPER, META, sink)
    return sink.hits, point


def test_an_hibp_domain_search_export_gives_the_address_not_a_service(tmp_path: Path) -> None:
    hits, point = _import(tmp_path / "hibp.csv", "\n".join([
        "Email,Alias,Domain,Breach",
        "nguyen.van.a@stttt.kiengiang.gov.vn,nguyen.van.a,stttt.kiengiang.gov.vn,Adobe",
        "le.c@soyte-kg.vn,le.c,soyte-kg.vn,LinkedIn",
    ]) + "\n")
    assert [(h.address, h.agency, h.breach, h.service) for h in hits] == [
        ("nguyen.van.a@stttt.kiengiang.gov.vn", "STTTT", "Adobe", ""),
        ("le.c@soyte-kg.vn", "SYT", "LinkedIn", ""),
    ]
    assert point.counts.malformed == 0


def test_an_alias_and_a_domain_make_the_address(tmp_path: Path) -> None:
    hits, point = _import(tmp_path / "aliases.csv", "\n".join([
        "Alias;Domain;Breaches",
        "tran.b;STTTT.kiengiang.gov.vn;Canva",
        "ketoan;Sở-tài-chính.vn;Zing",
        "someone;example.com;Canva",
    ]) + "\n")
    assert [(h.address, h.agency, h.breach, h.service) for h in hits] == [
        ("tran.b@stttt.kiengiang.gov.vn", "STTTT", "Canva", ""),
        (f"ketoan@{IDN_ACCOUNT}", "STC", "Zing", ""),
    ]
    assert (point.counts.lines, point.counts.malformed, point.counts.kept) == (4, 0, 2)


def test_a_dehashed_export_reads_its_columns_as_dehashed_means_them(tmp_path: Path) -> None:
    header = "address,database_name,email,hashed_password,id,ip_address,name,password,phone,username,vin"
    hits, _point = _import(tmp_path / "dehashed.csv", "\n".join([
        header,
        '"12 Nguyen Trai, Rach Gia",Tinhte.vn (2018),pham.d@soyte-kg.vn,,1,1.2.3.4,Pham D,Secret-1,,phamd,',
        # the e-mail column empty, the user name is the address
        ",Zing (2015),,5f4dcc3b5aa765d61d8327deb882cf99,2,,Le C,,,le.c@syt.kiengiang.gov.vn,",
    ]) + "\n")
    by = {h.address: h for h in hits}
    assert set(by) == {"pham.d@soyte-kg.vn", "le.c@syt.kiengiang.gov.vn"}
    assert (by["pham.d@soyte-kg.vn"].breach, by["pham.d@soyte-kg.vn"].secret.kind.value) == (
        "Tinhte.vn (2018)", "password")
    assert (by["le.c@syt.kiengiang.gov.vn"].breach, by["le.c@syt.kiengiang.gov.vn"].secret.kind.value) == (
        "Zing (2015)", "hash")
    assert all(h.service == "" for h in hits)  # no column of it names the service


def test_a_service_column_is_still_the_service() -> None:
    layout, header = detect(b"site;E-mail;Password")
    assert header and layout.shape is Shape.CSV and layout.at_sign
    row = read_line(layout, b"tinhte.vn;pham.d@soyte-kg.vn;pw")
    assert row is not None and (row.address, row.service) == ("pham.d@soyte-kg.vn", "tinhte.vn")


@pytest.mark.parametrize(("line", "service", "address"), [
    # HIBP's breach model: Domain is the breached site
    (b'{"Email": "a@stttt.kiengiang.gov.vn", "Name": "Facebook", "Domain": "facebook.com"}', "facebook.com",
     "a@stttt.kiengiang.gov.vn"),
    # a Domain that is the address's own: not a service
    (b'{"Email": "a@stttt.kiengiang.gov.vn", "Breach": "Adobe", "Domain": "stttt.kiengiang.gov.vn"}', "",
     "a@stttt.kiengiang.gov.vn"),
    # a domain search's alias: Domain (or DomainName) completes the address
    (b'{"Alias": "a", "Domain": "stttt.kiengiang.gov.vn", "Breach": "Adobe"}', "",
     "a@stttt.kiengiang.gov.vn"),
    (b'{"Alias": "a", "DomainName": "stttt.kiengiang.gov.vn", "Breach": "Adobe"}', "",
     "a@stttt.kiengiang.gov.vn"),
])
def test_json_lines_tell_the_site_from_the_address_domain(line: bytes, service: str, address: str) -> None:
    row = read_line(Layout(Shape.JSONL), line)
    assert row is not None and (row.address, row.service) == (address, service)


def test_fold_keeps_offsets_and_ties_the_cases_of_non_ascii_letters() -> None:
    for text in ("SỞ-TÀI-CHÍNH.VN", "sở-tài-chính.vn", "Sở-Tài-Chính.vn", "sỞ-tÀi-cHÍnh.Vn"):
        folded = fold(text.encode())
        assert len(folded) == len(text.encode())
        assert folded == fold("sở-tài-chính.vn".encode())
    assert fold(b"ABC@Example.COM\n") == b"abc@example.com\n"  # ASCII: plain lower case
    assert fold("ĐÔNG".encode()) == fold("đông".encode())
    assert fold("ƯU".encode()) == fold("ưu".encode())  # Ư/ư: their last bytes differ by more than a bit


def test_mixed_case_idn_addresses_are_found_by_the_pre_search(tmp_path: Path) -> None:
    rows = [f"user{i}@gmail.com:mật-khẩu-{i}" for i in range(2000)]  # non-ASCII text everywhere
    planted = [
        "KeToan@SỞ-tài-CHÍNH.vn:a1",
        "thuquy@SỞ-TÀI-CHÍNH.VN:a2",
        "vanthu@sở-Tài-chính.vn:a3",
        "giamdoc@mail.Sở-Tài-Chính.VN:a4",  # a subdomain
        "KHAC@XN--S-TI-CHNH-S1A1MQ649A.VN:a5",  # punycode, upper case
        "ngoai@sỡ-tài-chính.vn:a6",  # another letter (ỡ, not ở): a candidate, not a match
    ]
    for n, line in enumerate(planted):
        rows.insert(300 * n + 7, line)
    hits, point = _import(tmp_path / "combo.txt", "\n".join(rows) + "\n")
    assert sorted(h.address for h in hits) == sorted([
        f"giamdoc@mail.{IDN_ACCOUNT}",
        f"ketoan@{IDN_ACCOUNT}",
        f"khac@{IDN_ACCOUNT}",
        f"thuquy@{IDN_ACCOUNT}",
        f"vanthu@{IDN_ACCOUNT}",
    ])
    assert {h.agency for h in hits} == {"STC"}
    assert point.counts.candidates == 6 and point.counts.malformed == 0


def test_many_idn_domains_are_searched_as_one_punycode_needle(tmp_path: Path) -> None:
    owners = {f"sở-nội-vụ-{i}.vn": f"SNV{i}" for i in range(12)}
    matcher = DomainMatcher(owners)
    assert b"xn--" in matcher.needles() and not [n for n in matcher.needles() if n.startswith(b"xn--s")]
    path = tmp_path / "combo.txt"
    punycode = DomainMatcher({"sở-nội-vụ-7.vn": "X"}).match("a@sở-nội-vụ-7.vn")
    assert punycode is not None
    rows = [f"user{i}@gmail.com:mật-khẩu" for i in range(500)]
    rows += ["A@SỞ-NỘI-VỤ-3.VN:x", punycode[0].upper() + ":y", "b@xn--other-domain.vn:z"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    sink = Keep()
    import_file(path, matcher, KEEPER, META, sink)
    assert sorted(h.agency for h in sink.hits) == ["SNV3", "SNV7"]
