"""Issue 12 item 4: the shortcuts that spare IDNA and ``ipaddress`` for ordinary names give
exactly what those libraries give, and leave every other name to them."""

from __future__ import annotations

import ipaddress
import random
import string

import idna
import pytest
from pydantic_core import PydanticCustomError

from canhgac.inventory.fields import may_be_address, normalise_domain, plain_ascii_name

ALPHABET = string.ascii_letters + string.digits + "-_." + "-" * 4 + "." * 3


def idna_name(text: str) -> str | None:
    try:
        return idna.encode(text, uts46=True, std3_rules=True).decode("ascii").lower()
    except idna.IDNAError:
        return None


def test_a_plain_ascii_name_is_what_idna_would_return() -> None:
    rng = random.Random(12)
    taken = 0
    for _ in range(20_000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 24)))
        text = rng.choice(("", "xn--", "a" * 62 + ".", "ab--")) + text
        plain = plain_ascii_name(text)
        if plain is not None:
            taken += 1
            assert plain == idna_name(text), text
    assert taken > 5_000  # the shortcut does serve ordinary names


@pytest.mark.parametrize("text", [
    "xn--stttt-5c2b.gov.vn",  # an A-label: idna checks its Punycode
    "ab--cd.gov.vn",  # hyphens in the 3rd and 4th position
    "-a.gov.vn", "a-.gov.vn", "a_b.gov.vn", "a..gov.vn", "sởtttt.gov.vn",
    "a" * 64 + ".gov.vn",  # a label longer than 63
    ("a" * 62 + ".") * 4 + "gov.vn",  # longer than 253 in all
])
def test_anything_else_is_left_to_idna(text: str) -> None:
    assert plain_ascii_name(text) is None


def test_names_keep_their_messages() -> None:
    assert normalise_domain("STTTT.KienGiang.gov.vn.") == "stttt.kiengiang.gov.vn"
    assert normalise_domain("Sởtttt.KiênGiang.gov.vn") == idna_name("sởtttt.kiêngiang.gov.vn")
    with pytest.raises(PydanticCustomError, match="Domain too long"):  # idna's reason, as before the shortcut
        normalise_domain(("a" * 62 + ".") * 4 + "gov.vn")
    with pytest.raises(PydanticCustomError, match="is an IP address, not a name"):
        normalise_domain("203.0.113.5")


@pytest.mark.parametrize("text", ["203.0.113.5", "::1", "2001:db8::7", "fe80::1%eth0", "127.1", "10"])
def test_every_address_is_still_asked_about(text: str) -> None:
    assert may_be_address(text)


@pytest.mark.parametrize("text", ["stttt.gov.vn", "a1.b2", "ff.ee", "localhost", ""])
def test_names_are_never_addresses(text: str) -> None:
    assert not may_be_address(text)
    with pytest.raises(ValueError):
        ipaddress.ip_address(text)
