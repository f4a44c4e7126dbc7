"""The console's security.txt as pure functions: which contacts are accepted, the file's fields,
and the engine's own security.txt check finding nothing to say about it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from canhgac.engine.checks.web_hygiene import security_txt_problems
from canhgac.engine.facts.web_page import SecurityTxt, parse_security_txt
from canhgac.services.security_txt import SecurityContactError, canonical_urls, checked_contact, render

NOW = datetime(2026, 12, 7, 5, 30, 12, 345678, tzinfo=UTC)


@pytest.mark.parametrize("contact", [
    "mailto:csirt@kiengiang.gov.vn", " mailto:csirt@kiengiang.gov.vn ", "https://csirt.gov.vn/bao-cao",
    "https://csirt.gov.vn:8443/lien-he?lang=vi",
])
def test_accepted_contacts(contact: str) -> None:
    assert checked_contact(contact) == contact.strip()


@pytest.mark.parametrize("contact", [
    "", "csirt@kiengiang.gov.vn", "http://csirt.gov.vn/", "mailto:", "mailto:not-an-address",
    "mailto:a@b.vn?subject=x", "https://", "https://user:pw@csirt.gov.vn/", "javascript:alert(1)",
    "https://csirt.gov.vn/\nExpires: 1999", "mailto:a b@c.vn", "https://csirt.gov.vn/" + "a" * 600,
])
def test_refused_contacts_say_what_is_expected(contact: str) -> None:
    with pytest.raises(SecurityContactError, match="mailto:"):
        checked_contact(contact)


def test_the_file_has_contact_expires_within_a_year_and_languages() -> None:
    text = render("mailto:csirt@kiengiang.gov.vn", NOW)
    assert text == ("Contact: mailto:csirt@kiengiang.gov.vn\nExpires: 2027-12-06T05:30:12Z\n"
                    "Preferred-Languages: vi, en\n")
    fields, signed = parse_security_txt(text)
    found = SecurityTxt("https://console.kiengiang.gov.vn/.well-known/security.txt", status=200,
                        content_type="text/plain", fields=fields, signed=signed)
    assert security_txt_problems(found, legacy=False, now=NOW + timedelta(days=363)) == []


def test_canonical_only_behind_tls_and_for_public_names() -> None:
    hosts = ["console.kiengiang.gov.vn", "127.0.0.1", "localhost", "[::1]", ".kiengiang.gov.vn", "*"]
    assert canonical_urls(hosts, behind_tls=False) == []
    assert canonical_urls(hosts, behind_tls=True) == [
        "https://console.kiengiang.gov.vn/.well-known/security.txt"]
    text = render("mailto:a@b.vn", NOW, canonical_urls(hosts, behind_tls=True))
    assert text.endswith("Canonical: https://console.kiengiang.gov.vn/.well-known/security.txt\n")
