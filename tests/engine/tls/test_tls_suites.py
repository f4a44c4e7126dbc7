"""Grouped suite enumeration (engine/tls/suites.py) against scripted servers: which offers are
made, how many, and what each class is judged from them (issue 11 item 1)."""

from __future__ import annotations

from canhgac.engine.facts.tls import CipherFamily, TlsProtocol
from canhgac.engine.tls import families as fam
from canhgac.engine.tls.suites import Library, scan_suites

TLS12, TLS10 = TlsProtocol.TLS12, TlsProtocol.TLS10
MODERN = {
    CipherFamily.STATIC_KX: frozenset({"AES128-SHA", "AES256-GCM-SHA384"}),
    CipherFamily.CBC_SHA1: frozenset({"AES128-SHA", "ECDHE-RSA-AES128-SHA"}),
    CipherFamily.NULL: frozenset({"NULL-SHA"}),
}
LEGACY = {
    **MODERN,
    CipherFamily.RC4: frozenset({"RC4-SHA"}),
    CipherFamily.TRIPLE_DES: frozenset({"DES-CBC3-SHA"}),
    CipherFamily.DES: frozenset({"DES-CBC-SHA"}),
    CipherFamily.EXPORT: frozenset({"EXP-RC4-MD5"}),
    CipherFamily.ANON: frozenset({"ADH-AES128-SHA"}),
}
LEGACY_ONLY = frozenset({"RC4-SHA", "DES-CBC3-SHA", "DES-CBC-SHA", "EXP-RC4-MD5", "ADH-AES128-SHA"})


class Server:
    """Accepts ``accepted[version]``, preferring them in that order; records every offer."""

    def __init__(self, accepted: dict[TlsProtocol, list[str]], *, silent_after: int | None = None) -> None:
        self.accepted = accepted
        self.offers: list[tuple[TlsProtocol, frozenset[str]]] = []
        self.silent_after = silent_after

    async def probe(self, protocol: TlsProtocol, cipher_string: str) -> fam.Offer:
        offered = frozenset(cipher_string.split(":"))
        self.offers.append((protocol, offered))
        if self.silent_after is not None and len(self.offers) > self.silent_after:
            return fam.Offer(False, detail="handshake timed out")
        for suite in self.accepted.get(protocol, []):
            if suite in offered:
                return fam.Offer(True, suite)
        return fam.Offer(True, None)


def libraries(server: Server, *, nassl: bool = True) -> tuple[Library, Library]:
    stdlib = Library(MODERN, frozenset({TLS10, TLS12}), server.probe)
    legacy = Library(LEGACY if nassl else {}, frozenset({TLS10, TLS12}) if nassl else frozenset(),
                     server.probe, "" if nassl else "nassl unavailable: test")
    return stdlib, legacy


async def test_every_accepted_suite_is_found_and_removed_from_the_next_offer() -> None:
    server = Server({TLS12: ["ECDHE-RSA-AES128-SHA", "AES128-SHA", "RC4-SHA"]})
    scan = await scan_suites([TLS12], *libraries(server))
    assert scan.suites == {
        CipherFamily.CBC_SHA1: {TLS12: ("ECDHE-RSA-AES128-SHA", "AES128-SHA")},
        CipherFamily.STATIC_KX: {TLS12: ("AES128-SHA",)},
        CipherFamily.RC4: {TLS12: ("RC4-SHA",)},
    }
    assert scan.accepted == {**dict.fromkeys(CipherFamily, False), CipherFamily.CBC_SHA1: True,
                             CipherFamily.STATIC_KX: True, CipherFamily.RC4: True}
    # stdlib: 2 accepted + 1 refusal; nassl (only what stdlib cannot offer): 1 accepted + 1 refusal
    assert len(server.offers) == 5
    stdlib_offers = [o for _, o in server.offers if "NULL-SHA" in o]
    assert stdlib_offers == [
        frozenset({"AES128-SHA", "AES256-GCM-SHA384", "ECDHE-RSA-AES128-SHA", "NULL-SHA"}),
        frozenset({"AES128-SHA", "AES256-GCM-SHA384", "NULL-SHA"}),
        frozenset({"AES256-GCM-SHA384", "NULL-SHA"}),
    ]
    assert [o for _, o in server.offers if "NULL-SHA" not in o] == [LEGACY_ONLY, LEGACY_ONLY - {"RC4-SHA"}]


async def test_a_clean_server_costs_one_refused_offer_per_library_and_version() -> None:
    server = Server({})
    scan = await scan_suites([TLS10, TLS12], *libraries(server))
    assert scan.accepted == dict.fromkeys(CipherFamily, False) and scan.suites == {}
    assert len(server.offers) == 4


async def test_suites_are_recorded_per_version() -> None:
    server = Server({TLS12: ["AES256-GCM-SHA384"], TLS10: ["AES128-SHA"]})
    scan = await scan_suites([TLS10, TLS12], *libraries(server))
    assert scan.suites[CipherFamily.STATIC_KX] == {TLS12: ("AES256-GCM-SHA384",), TLS10: ("AES128-SHA",)}
    assert scan.suites[CipherFamily.CBC_SHA1] == {TLS10: ("AES128-SHA",)}


async def test_no_answer_leaves_the_unsettled_classes_untestable_never_refused() -> None:
    server = Server({TLS12: ["AES128-SHA"]}, silent_after=1)
    stdlib, _ = libraries(server)
    scan = await scan_suites([TLS12], stdlib)
    assert scan.accepted[CipherFamily.STATIC_KX] is True and scan.accepted[CipherFamily.CBC_SHA1] is True
    assert scan.accepted[CipherFamily.NULL] is None
    assert scan.notes["cipher:NULL"] == "TLSv1.2: handshake timed out"


async def test_without_nassl_its_classes_are_untestable_with_the_reason() -> None:
    server = Server({})
    scan = await scan_suites([TLS12], *libraries(server, nassl=False))
    assert scan.accepted[CipherFamily.STATIC_KX] is False
    assert scan.accepted[CipherFamily.RC4] is None and scan.accepted[CipherFamily.EXPORT] is None
    assert scan.notes["cipher:RC4"] == "nassl unavailable: test"


async def test_a_server_choosing_an_unoffered_suite_stops_the_rounds() -> None:
    class Liar(Server):
        async def probe(self, protocol: TlsProtocol, cipher_string: str) -> fam.Offer:
            self.offers.append((protocol, frozenset()))
            return fam.Offer(True, "ECDHE-RSA-AES256-GCM-SHA384")

    server = Liar({})
    stdlib, _ = libraries(server)
    scan = await scan_suites([TLS12], stdlib)
    assert len(server.offers) == 1
    assert scan.accepted[CipherFamily.STATIC_KX] is None
    assert "unoffered suite ECDHE-RSA-AES256-GCM-SHA384" in scan.notes["cipher:STATIC_KX"]


async def test_rounds_are_capped() -> None:
    many = frozenset(f"S{i}" for i in range(fam.MAX_ROUNDS + 5))

    async def accept_all(cipher_string: str) -> fam.Offer:
        return fam.Offer(True, sorted(cipher_string.split(":"))[0])

    result = await fam.enumerate_accepted(many, accept_all)
    assert len(result.chosen) == fam.MAX_ROUNDS and not result.complete
