"""MTA-STS (RFC 8461 3.1) and TLS-RPT (RFC 8460 3) record parsers."""

from __future__ import annotations

import pytest

from canhgac.engine.mailauth.mtasts import is_mta_sts_record, is_tlsrpt_record, parse_mta_sts, parse_tlsrpt


@pytest.mark.parametrize(
    "text",
    [
        "v=STSv1; id=20190429T010101;",
        "v=STSv1;id=1",
        "v=STSv1; id=abc123XYZ; ext.x-1=val",
        "v=STSv1 ; id=" + "a" * 32,
    ],
)
def test_valid_sts(text: str) -> None:
    record = parse_mta_sts(text)
    assert record.valid, record.problems
    assert record.id


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("v=STSv1;", "missing-id"),
        ("v=STSv1; id=" + "a" * 33, "invalid-id"),
        ("v=STSv1; id=2019-04-29", "invalid-id"),
        ("v=STSv1; id=1; id=2", "duplicate-field"),
        ("v=STSv1; id=1; junk", "malformed-field"),
        ("v=STSv1; id=1; x=a b", "malformed-field"),
        ("id=1; v=STSv1", "version-not-first"),
    ],
)
def test_sts_errors(text: str, code: str) -> None:
    assert code in [p.code for p in parse_mta_sts(text).problems]


def test_detection_is_case_sensitive() -> None:
    assert is_mta_sts_record("v=STSv1; id=1")
    assert is_mta_sts_record("v=STSv1")
    assert not is_mta_sts_record("v=stsv1; id=1")
    assert not is_mta_sts_record("v=STSv10; id=1")
    assert is_tlsrpt_record("v=TLSRPTv1; rua=mailto:a@x.vn")
    assert not is_tlsrpt_record("v=TLSRPTv1x")


@pytest.mark.parametrize(
    "text",
    [
        "v=TLSRPTv1; rua=mailto:tlsrpt@example.gov.vn",
        "v=TLSRPTv1;rua=mailto:a@x.vn, https://reports.example.vn/tlsrpt",
        "v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt;",
    ],
)
def test_valid_tlsrpt(text: str) -> None:
    record = parse_tlsrpt(text)
    assert record.valid, record.problems
    assert record.rua


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("v=TLSRPTv1;", "missing-rua"),
        ("v=TLSRPTv1; rua=ftp://x.vn/r", "unsupported-uri-scheme"),
        ("v=TLSRPTv1; rua=mailto:nobody", "invalid-rua"),
        ("v=TLSRPTv1; rua=https://", "invalid-rua"),
        ("rua=mailto:a@x.vn; v=TLSRPTv1", "version-not-first"),
    ],
)
def test_tlsrpt_errors(text: str, code: str) -> None:
    assert code in [p.code for p in parse_tlsrpt(text).problems]


@pytest.mark.parametrize(
    "text", ["", "v=STSv1" + ";" * 10000, "v=TLSRPTv1; rua=https://[::1", "\x00\xff", "v=STSv1; id=\u00e9"]
)
def test_hostile_input_never_raises(text: str) -> None:
    assert not parse_mta_sts(text).valid or text.startswith("v=STSv1")
    parse_tlsrpt(text)
