"""Targets as people name them and scores as printed, in both languages."""

from __future__ import annotations

import pytest

from canhgac.reports.wording import format_score, target_label


@pytest.mark.parametrize(
    ("key", "vi", "en"),
    [
        ("domain:a.gov.vn", "a.gov.vn", "a.gov.vn"),
        ("url:https://a.gov.vn/x", "https://a.gov.vn/x", "https://a.gov.vn/x"),
        ("mail_host:mx.a.gov.vn", "máy chủ thư mx.a.gov.vn", "mail server mx.a.gov.vn"),
        ("host:203.0.113.5", "máy chủ 203.0.113.5", "host 203.0.113.5"),
        ("service:203.0.113.5:443", "dịch vụ 203.0.113.5:443", "service 203.0.113.5:443"),
        ("range:198.51.100.0/24", "dải địa chỉ 198.51.100.0/24", "address range 198.51.100.0/24"),
    ],
)
def test_target_label(key: str, vi: str, en: str) -> None:
    assert (target_label(key, "vi"), target_label(key, "en")) == (vi, en)


@pytest.mark.parametrize(
    ("score", "vi", "en"),
    [(100.0, "100", "100"), (1000 / 11, "90,9", "90.9"), (13.28, "13,3", "13.3"), (0.04, "0", "0")],
)
def test_format_score(score: float, vi: str, en: str) -> None:
    assert (format_score(score, "vi"), format_score(score, "en")) == (vi, en)
