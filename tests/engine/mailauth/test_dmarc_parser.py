"""The DMARC record parser (RFC 7489 6.3, 6.4): real records, every error class, hostile input."""

from __future__ import annotations

import pytest

from canhgac.engine.mailauth.dkim import Problem, parse_tag_list
from canhgac.engine.mailauth.dmarc import is_dmarc_record, normalize_hostname, parse_dmarc, parse_mailto


def codes(text: str) -> list[str]:
    return [p.code for p in parse_dmarc(text).problems]


@pytest.mark.parametrize(
    "text",
    [
        "v=DMARC1; p=reject; rua=mailto:dmarc-rua@dmarc.service.gov.uk; ruf=mailto:ruf@dmarc.service.gov.uk",
        "v=DMARC1; p=none; sp=quarantine; pct=100; rua=mailto:d@rua.agari.com; fo=1",
        "v=DMARC1;p=quarantine;pct=25;rua=mailto:a@example.gov.vn!10m,mailto:b@example.vn;adkim=s;aspf=r",
        "v=DMARC1; p=reject; fo=0:1:d:s; rf=afrf; ri=3600;",
        "v = DMARC1 ; P=Reject ; SP=none",
    ],
)
def test_valid_real_world_records(text: str) -> None:
    record = parse_dmarc(text)
    assert record.valid, record.problems
    assert record.usable


def test_values_and_defaults() -> None:
    record = parse_dmarc("v=DMARC1; p=quarantine; rua=mailto:a@x.gov.vn!10m,mailto:b@y.vn")
    assert (record.p, record.sp, record.pct, record.adkim, record.aspf) == ("quarantine", None, 100, "r", "r")
    assert [u.address for u in record.rua] == ["a@x.gov.vn", "b@y.vn"]
    assert record.rua[0].size_limit == "10m"
    assert record.applied_policy == "quarantine"
    assert record.applied_subdomain_policy == "quarantine"
    assert parse_dmarc("v=DMARC1; p=reject; sp=none").applied_subdomain_policy == "none"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("p=reject; v=DMARC1", "version-not-first"),
        ("v=DMARC2; p=reject", "invalid-version"),
        ("v=dmarc1; p=reject", "invalid-version"),
        ("v=DMARC1; rua=mailto:a@x.vn", "missing-p"),
        ("v=DMARC1; p=block", "invalid-p"),
        ("v=DMARC1; p=reject; sp=never", "invalid-sp"),
        ("v=DMARC1; p=reject; pct=101", "invalid-pct"),
        ("v=DMARC1; p=reject; pct=-1", "invalid-pct"),
        ("v=DMARC1; p=reject; pct=5.5", "invalid-pct"),
        ("v=DMARC1; p=reject; adkim=x", "invalid-adkim"),
        ("v=DMARC1; p=reject; aspf=relaxed", "invalid-aspf"),
        ("v=DMARC1; p=reject; fo=2", "invalid-fo"),
        ("v=DMARC1; p=reject; rf=iodef", "invalid-rf"),
        ("v=DMARC1; p=reject; ri=daily", "invalid-ri"),
        ("v=DMARC1; p=reject; rua=dmarc@x.vn", "invalid-rua"),
        ("v=DMARC1; p=reject; rua=https://x.vn/report", "invalid-rua"),
        ("v=DMARC1; p=reject; ruf=mailto:nobody", "invalid-ruf"),
        ("v=DMARC1; p=reject; p=none", "duplicate-tag"),
        ("v=DMARC1; p=reject; garbage", "malformed-tag"),
    ],
)
def test_each_error_class(text: str, code: str) -> None:
    assert code in codes(text)


def test_unknown_tags_are_tolerated_and_reported() -> None:
    record = parse_dmarc("v=DMARC1; p=reject; np=reject; psd=n")
    assert record.valid
    assert record.unknown_tags == ("np", "psd")


def test_receiver_view_of_broken_policy_tags() -> None:
    # RFC 7489 6.6.3 step 6: invalid p with a valid rua acts as p=none; without rua, ignored.
    with_rua = parse_dmarc("v=DMARC1; rua=mailto:a@x.vn")
    assert with_rua.applied_policy == "none" and with_rua.usable and not with_rua.valid
    assert not parse_dmarc("v=DMARC1; p=bogus").usable
    assert parse_dmarc("v=DMARC1; p=reject; sp=bogus; rua=mailto:a@x.vn").applied_subdomain_policy == "none"
    assert not parse_dmarc("p=reject").usable


def test_detection() -> None:
    assert is_dmarc_record("v=DMARC1; p=none")
    assert is_dmarc_record("v=DMARC1")
    assert not is_dmarc_record("v=DMARC10; p=none")
    assert not is_dmarc_record("v=spf1 -all")
    assert not is_dmarc_record("p=none; v=DMARC1")


def test_mailto() -> None:
    uri = parse_mailto("mailto:Re%70orts@Example.GOV.vn!500k")
    assert not isinstance(uri, Problem)
    assert (uri.address, uri.domain, uri.size_limit) == ("Reports@example.gov.vn", "example.gov.vn", "500k")
    assert isinstance(parse_mailto("mailto:a@-bad-.vn"), Problem)
    assert isinstance(parse_mailto("mailto:@x.vn"), Problem)
    assert isinstance(parse_mailto(""), Problem)
    assert normalize_hostname("Bộ.gov.vn") == "Bộ".encode("idna").decode() + ".gov.vn"
    assert normalize_hostname("localhost") is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        ";;;;",
        "=",
        "v=DMARC1; " + "x=" * 5000,
        "v=DMARC1; p=reject; rua=" + ",".join(["mailto:a@x.vn"] * 500),
        "v=DMARC1\x00; p=\udcff",
        "v=DMARC1; p=reject; rua=mailto:a@" + "a." * 200 + "vn",
        "\ufeffv=DMARC1; p=reject",
        "v=DMARC1; p=reject; pct=" + "9" * 400,
        "v=DMARC1; p=reject; rua=mailto:a@[::1]",
    ],
)
def test_hostile_input_never_raises(text: str) -> None:
    record = parse_dmarc(text)
    assert isinstance(record.problems, tuple)
    assert len(record.rua) <= 32


def test_tag_list_keeps_first_duplicate() -> None:
    tags = parse_tag_list("a=1; b = 2 ;a=3;")
    assert tags.tags == (("a", "1"), ("b", "2"))
    assert [p.code for p in tags.problems] == ["duplicate-tag"]
