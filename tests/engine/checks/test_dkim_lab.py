"""collect_dkim against the lab DNS server, judged by the registered mail.dkim.* checks."""

from __future__ import annotations

from collections.abc import Mapping

from lab_dns_support import scan_domain, zone_file

from canhgac.engine.builtin import builtin_registry
from canhgac.engine.context import TargetOptions
from canhgac.engine.facts.mail_domain import DkimFacts
from canhgac.engine.results import ErrorReason, Outcome, Status
from canhgac.lab import keys
from canhgac.lab.dns_server import Fault


def txt(value: str) -> str:
    """A TXT rdata in master-file form, split into 255-byte character-strings."""
    return " ".join(f'"{value[i : i + 255]}"' for i in range(0, len(value), 255))


GOV = zone_file("gov.test", f"""
strong IN MX 10 mail.strong
mail.strong IN A 127.0.0.25
s2025._domainkey.strong IN TXT {txt("v=DKIM1; k=rsa; p=" + keys.dkim_public_key_b64(2048))}
legacy IN MX 10 mail.strong
mail._domainkey.legacy IN TXT {txt("v=DKIM1; k=rsa; p=" + keys.dkim_public_key_b64(1024))}
revoked IN MX 10 mail.strong
default._domainkey.revoked IN TXT "v=DKIM1; k=rsa; p="
garbage IN MX 10 mail.strong
dkim._domainkey.garbage IN TXT "v=DKIM1; k=rsa; p=bm90IGEga2V5IGF0IGFsbA=="
custom IN MX 10 mail.strong
agency2024._domainkey.custom IN TXT {txt("v=DKIM1; p=" + keys.dkim_public_key_b64(2048))}
wild IN MX 10 mail.strong
*._domainkey.wild IN TXT "v=spf1 -all"
nomail IN MX 0 .
none IN MX 10 mail.strong
""")


async def scan(
    domain: str, *, selectors: tuple[str, ...] = (), faults: Mapping[tuple[str, str], Fault] | None = None
) -> tuple[DkimFacts, dict[str, Outcome]]:
    registry = builtin_registry().select(families=["mail.dkim"])
    collected, outcomes = await scan_domain(
        registry, domain, {"gov.test": GOV}, faults=faults, options=TargetOptions(dkim_selectors=selectors)
    )
    return collected[DkimFacts], outcomes


def verdicts(outcomes: dict[str, Outcome]) -> dict[str, tuple[Status, str]]:
    return {cid.removeprefix("mail.dkim."): (o.status, o.message.key) for cid, o in outcomes.items()}


async def test_2048_bit_key_at_a_declared_selector() -> None:
    facts, outcomes = await scan("strong.gov.test", selectors=("s2025",))
    assert facts.probed[0] == "s2025"
    assert verdicts(outcomes) == {
        "present": (Status.PASS, "pass"),
        "syntax": (Status.PASS, "pass"),
        "key-strength": (Status.PASS, "pass"),
    }
    assert outcomes["mail.dkim.key-strength"].message.values["keys"] == "s2025 (rsa 2048)"


async def test_undeclared_selector_is_not_found_and_the_message_says_what_was_probed() -> None:
    _, outcomes = await scan("custom.gov.test")
    assert verdicts(outcomes)["present"] == (Status.FAIL, "missing")
    assert "selector1" in str(outcomes["mail.dkim.present"].message.values["probed"])
    _, declared = await scan("custom.gov.test", selectors=("agency2024",))
    assert verdicts(declared)["present"] == (Status.PASS, "pass")


async def test_1024_bit_key_is_below_recommended() -> None:
    _, outcomes = await scan("legacy.gov.test")
    assert verdicts(outcomes)["present"] == (Status.PASS, "pass")
    assert verdicts(outcomes)["key-strength"] == (Status.FAIL, "below-recommended")


async def test_revoked_and_garbage_keys() -> None:
    facts, revoked = await scan("revoked.gov.test")
    assert verdicts(revoked) == {
        "present": (Status.FAIL, "only-revoked"),
        "syntax": (Status.PASS, "pass"),
        "key-strength": (Status.NOT_APPLICABLE, "no-key"),
    }
    assert any(k.revoked for s in facts.selectors for k in s.keys)
    _, garbage = await scan("garbage.gov.test")
    assert verdicts(garbage) == {
        "present": (Status.FAIL, "missing"),
        "syntax": (Status.FAIL, "invalid"),
        "key-strength": (Status.NOT_APPLICABLE, "no-key"),
    }
    assert garbage["mail.dkim.syntax"].message.values == {"selectors": "dkim", "problems": "bad-key"}


async def test_wildcard_txt_is_not_a_broken_key_and_null_mx_is_not_applicable() -> None:
    _, wild = await scan("wild.gov.test")
    assert verdicts(wild)["syntax"] == (Status.NOT_APPLICABLE, "no-records")
    assert verdicts(wild)["present"] == (Status.FAIL, "missing")
    _, nomail = await scan("nomail.gov.test")
    assert verdicts(nomail)["present"] == (Status.NOT_APPLICABLE, "null-mx")


async def test_a_failing_selector_lookup_makes_absence_an_error() -> None:
    _, outcomes = await scan(
        "none.gov.test", faults={("mail._domainkey.none.gov.test", "TXT"): Fault.SERVFAIL}
    )
    present = outcomes["mail.dkim.present"]
    assert (present.status, present.error_reason) == (Status.ERROR, ErrorReason.DNS_SERVFAIL)
    _, clean = await scan("none.gov.test")
    assert verdicts(clean)["present"] == (Status.FAIL, "missing")


async def test_a_usable_declared_selector_spares_the_guesses() -> None:
    """Common selectors are guesses: not asked when a declared selector holds a usable key."""
    facts, outcomes = await scan("custom.gov.test", selectors=("agency2024",))
    assert facts.probed == ("agency2024",)
    assert outcomes["mail.dkim.present"].status is Status.PASS
    # a declared selector without a key: the guesses are made (and find legacy's "mail" key)
    guessed, _ = await scan("legacy.gov.test", selectors=("agency2024",))
    assert guessed.probed[0] == "agency2024" and "mail" in guessed.probed
    # a declared selector whose lookup failed: guesses too, never a pass over the failure
    failed, out = await scan(
        "custom.gov.test", selectors=("agency2024",),
        faults={("agency2024._domainkey.custom.gov.test", "TXT"): Fault.SERVFAIL},
    )
    assert len(failed.probed) > 1
    assert out["mail.dkim.key-strength"].status is Status.ERROR
