"""Issue 16 item 1, the pure part: exact domain matching, the file shapes, what is kept of a
password, malformed lines counted, and a resumed import equal to an uninterrupted one."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from breach_support import AGENCY_ADDRESSES, OUTSIDERS, OWNERS, combo, csv_export, jsonl

from canhgac.creds.breach import (
    BreachMeta,
    Category,
    Checkpoint,
    DomainMatcher,
    Hit,
    SecretKeeper,
    SecretKind,
    category_of,
    import_file,
    load_categories,
)
from canhgac.creds.breach import importer as importer_module

META = BreachMeta("Combo 2017", dt.date(2017, 12, 1), "")
KEEPER = SecretKeeper("installation secret for tests")


class ListSink:
    """Hits and the checkpoint in memory; ``fail_after`` commits it raises, as a kill would."""

    def __init__(self, fail_after: int | None = None) -> None:
        self.hits: list[Hit] = []
        self.point: Checkpoint | None = None
        self.commits = 0
        self.fail_after = fail_after

    def checkpoint(self, identity: str, meta: BreachMeta) -> Checkpoint | None:
        return self.point if self.point is not None and self.point.identity == identity else None

    def commit(self, hits: list[Hit], checkpoint: Checkpoint, meta: BreachMeta, name: str) -> None:
        if self.fail_after is not None and self.commits >= self.fail_after:
            raise KeyboardInterrupt
        self.hits.extend(hits)
        self.point = checkpoint
        self.commits += 1


MATCHER = DomainMatcher(OWNERS)


@pytest.mark.parametrize("address", AGENCY_ADDRESSES)
def test_agency_addresses_match_in_any_case_subdomain_alias_and_idn_form(address: str) -> None:
    assert MATCHER.match(address) is not None


@pytest.mark.parametrize(
    "address", [*OUTSIDERS, "no-at-sign", "@stttt.kiengiang.gov.vn", "a b@syt.kiengiang.gov.vn"]
)
def test_look_alikes_parents_and_junk_do_not_match(address: str) -> None:
    assert MATCHER.match(address) is None


def test_addresses_are_normalised_and_both_idn_forms_are_one_domain() -> None:
    assert MATCHER.match("TRAN.B@STTTT.KIENGIANG.GOV.VN") == ("tran.b@stttt.kiengiang.gov.vn", "STTTT")
    assert MATCHER.match("pham.d@soyte-kg.vn") == ("pham.d@soyte-kg.vn", "SYT")
    unicode_form = MATCHER.match("thuquy@Sở-tài-chính.vn")
    assert unicode_form == MATCHER.match("thuquy@xn--s-ti-chnh-s1a1mq649a.vn")
    assert unicode_form is not None and unicode_form[1] == "STC"


def test_a_password_is_kept_as_a_keyed_hash_and_a_sha1_prefix_only() -> None:
    kept = KEEPER.keep("Mùa-thu 2017")
    assert kept.kind is SecretKind.PASSWORD and len(kept.digest) == 64
    assert kept.sha1_prefix == hashlib.sha1("Mùa-thu 2017".encode()).hexdigest()[:5].upper()
    assert kept == KEEPER.keep("Mùa-thu 2017")  # equal passwords compare equal
    assert kept.digest != SecretKeeper("another installation").keep("Mùa-thu 2017").digest
    assert kept.digest != hashlib.sha256("Mùa-thu 2017".encode()).hexdigest()
    sha1 = hashlib.sha1(b"x").hexdigest()
    as_hash = KEEPER.keep(sha1.upper())
    assert as_hash.kind is SecretKind.HASH and as_hash.sha1_prefix == sha1[:5].upper()
    assert as_hash == KEEPER.keep(sha1)  # a hex hash compares case-blind


def test_a_combo_list_keeps_the_agency_accounts_and_counts_the_rest(tmp_path: Path) -> None:
    made = combo(tmp_path / "combo.txt", lines=3000)
    sink = ListSink()
    point = import_file(made.path, MATCHER, KEEPER, META, sink)
    assert {h.address for h in sink.hits} == {MATCHER.match(a)[0] for a in AGENCY_ADDRESSES}  # type: ignore[index]
    assert point.counts.lines == made.lines
    assert point.counts.kept == len(AGENCY_ADDRESSES)
    assert point.counts.malformed == 3  # no address; binary; no separator
    assert point.counts.agencies == {"STTTT", "SYT", "STC"}
    assert all(h.secret.kind is SecretKind.PASSWORD and h.breach == "Combo 2017" for h in sink.hits)
    for hit in sink.hits:  # nothing of the plaintext in what is kept
        assert not any(pw in repr(hit) for pw in made.passwords)


def test_json_lines_and_csv_exports_read_their_fields(tmp_path: Path) -> None:
    sink = ListSink()
    point = import_file(jsonl(tmp_path / "n.jsonl").path, MATCHER, KEEPER, META, sink)
    by = {h.address: h for h in sink.hits}
    hibp = by["nguyen.van.a@stttt.kiengiang.gov.vn"]
    assert (hibp.breach, hibp.date, hibp.service, hibp.secret.kind) == (
        "Facebook2019",
        dt.date(2019, 4, 3),
        "facebook.com",
        SecretKind.NONE,
    )
    generic = by["le.c@syt.kiengiang.gov.vn"]
    assert (generic.breach, generic.service, generic.secret.kind) == (
        "Forum X",
        "voz.vn",
        SecretKind.PASSWORD,
    )
    assert point.counts.malformed == 1  # the array line naming a domain
    sink = ListSink()
    point = import_file(
        csv_export(tmp_path / "e.csv").path, MATCHER, KEEPER, BreachMeta("Tinhte", dt.date(2018, 1, 1)), sink
    )
    assert [(h.address, h.service) for h in sink.hits] == [("pham.d@soyte-kg.vn", "tinhte.vn")]
    assert point.counts.lines == 3 and point.counts.malformed == 0  # the header is read, not malformed


def test_an_interrupted_import_resumes_and_ends_equal_to_an_uninterrupted_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer_module, "CHUNK", 4096)
    made = combo(tmp_path / "big.txt", lines=20000, shared="S4me-Pass")
    whole = ListSink()
    expected = import_file(made.path, MATCHER, KEEPER, META, whole)
    assert whole.commits > 20
    broken = ListSink(fail_after=7)
    with pytest.raises(KeyboardInterrupt):
        import_file(made.path, MATCHER, KEEPER, META, broken)
    assert broken.point is not None and 0 < broken.point.offset < expected.offset
    broken.fail_after = None
    resumed = import_file(made.path, MATCHER, KEEPER, META, broken)
    assert resumed == expected
    assert sorted(broken.hits, key=repr) == sorted(whole.hits, key=repr)
    again = import_file(made.path, MATCHER, KEEPER, META, broken)  # finished: nothing more
    assert again == expected and len(broken.hits) == len(whole.hits)


def test_service_categories_come_from_the_list_and_an_override_wins(tmp_path: Path) -> None:
    shipped = load_categories()
    assert category_of("facebook.com", shipped) is Category.SOCIAL
    assert category_of("m.facebook.com", shipped) is Category.SOCIAL
    assert category_of("voz.vn", shipped) is Category.FORUM
    assert category_of("example.org", shipped) is None
    override = tmp_path / "breach-services.yaml"
    override.write_text("work:\n  - facebook.com\nforum:\n  - diendan.example.org\n", encoding="utf-8")
    table = load_categories(override)
    assert category_of("facebook.com", table) is Category.WORK
    assert category_of("https://diendan.example.org/login", table) is Category.FORUM
