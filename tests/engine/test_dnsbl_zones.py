"""Blocklist zone names: what the settings accept, how they are normalised, what they refuse."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from canhgac.engine.dnsbl_zones import DEFAULT_DNSBL_ZONES, DnsblZoneError, normalise_zone, normalise_zones
from canhgac.engine.options import MailOptions
from canhgac.engine.settings import ScanSettings


def test_zone_names_are_normalised() -> None:
    assert normalise_zone(" BL.SpamCop.net. ") == "bl.spamcop.net"
    assert normalise_zone("abcdefghijklmnopqrstuvwxyz.zen.dq.spamhaus.net") == (
        "abcdefghijklmnopqrstuvwxyz.zen.dq.spamhaus.net")
    given = ["b.barracudacentral.org", "B.barracudacentral.org.", "psbl.surriel.com"]
    assert normalise_zones(given) == ("b.barracudacentral.org", "psbl.surriel.com")
    assert normalise_zones(DEFAULT_DNSBL_ZONES) == DEFAULT_DNSBL_ZONES


LDH = "use only letters, digits, '-' and dots; a label neither starts nor ends with '-'"


@pytest.mark.parametrize(("text", "reason"), [
    ("", "it is empty"),
    ("bl spamcop.net", "it contains a space"),
    ("https://bl.spamcop.net/", "it looks like a URL; write only the zone name"),
    ("bl..spamcop.net", "two dots in a row"),
    (".bl.spamcop.net", "it starts with a dot"),
    ("spamcop", "it needs at least two labels"),
    ("127.0.0.2", "it is an IP address, not a zone name"),
    ("bl_spam.example", LDH),
    ("-bl.example", LDH),
    ("danh-sách.example", LDH),
    ("a" * 64 + ".example", LDH),
    (".".join(["a" * 60] * 4), "longer than 237 characters, too long to put an address under"),
])
def test_bad_zone_names_are_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(DnsblZoneError) as caught:
        normalise_zone(text)
    assert (caught.value.zone, caught.value.reason) == (text, reason)
    assert str(caught.value).endswith("write it like 'bl.spamcop.net'")


def test_settings_refuse_a_bad_zone_and_keep_the_defaults() -> None:
    assert MailOptions().dnsbl_zones == DEFAULT_DNSBL_ZONES
    assert MailOptions(dnsbl_zones=("BL.Lab.Test.", "bl.lab.test")).dnsbl_zones == ("bl.lab.test",)
    assert MailOptions(dnsbl_zones=()).dnsbl_zones == ()
    with pytest.raises(ValidationError, match="is not a DNS blocklist zone"):
        MailOptions(dnsbl_zones=("not a zone",))


def test_a_flat_override_wins_over_the_stored_group() -> None:
    """``retest --dnsbl-zone`` / ``--ehlo-name``: a flat field beside the stored group used to
    lose to the group's value, so the override was silently ignored."""
    stored = ScanSettings(mail=MailOptions(dnsbl_zones=("bl.lab.test",), ehlo_name="old.example"))
    override = {"dnsbl_zones": (), "ehlo_name": "new.example"}
    changed = ScanSettings.model_validate({**stored.model_dump(), **override})
    assert (changed.mail.dnsbl_zones, changed.mail.ehlo_name) == ((), "new.example")
    # settings stored before the groups existed still read into them
    old = ScanSettings.model_validate({"dnsbl_zones": ["bl.lab.test"], "ehlo_name": "old.example"})
    assert (old.mail.dnsbl_zones, old.mail.ehlo_name) == (("bl.lab.test",), "old.example")
