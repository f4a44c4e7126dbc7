"""Switches that break an agency of the running lab on demand, and put it back (issue 14, item 7).

Each switch changes what the lab's real servers answer, so that the holiday watch (or a scan)
sees a real fault: ``portal-down`` stops the agency's portal server (connections refused),
``deface`` serves a defacer's page as its home page, ``mx`` and ``ns`` serve the agency's zone
with another mail exchanger or another name server (its parent's delegation follows, as a
hijacked domain's would), ``cert-lapse`` and ``cert-expiring`` serve the portal a certificate
expired 30 days ago or ending in 10 days. :meth:`LabSwitches.restore` puts back what the lab
served at start. The switches act on an agency's first portal and first domain; call them
from the lab's event loop (``lab.switches``; ``canhgac lab break`` goes through
:mod:`canhgac.lab.control`). A bad switch or agency is a :class:`SwitchError` with a code and
the values its message needs, so that the caller says it in its own language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

import yaml

from canhgac.lab.certificates import CertSpec, certificate
from canhgac.lab.province import Planter, Records, planter_of, render_zones
from canhgac.lab.web_lab import PortalSite
from canhgac.lab.web_plan import Plant

if TYPE_CHECKING:
    from canhgac.lab.web_lab import WebLab
    from canhgac.lab.web_server import LabWebServer, Site

MX_HIJACKED = "10 mx.chuyen-tiep-thu.test."  # a mail exchanger outside the province
NS_HIJACKED = "ns-moi"  # a new name server in the zone, at an address no lab server holds


class Switch(StrEnum):
    PORTAL_DOWN = "portal-down"
    DEFACE = "deface"
    MX = "mx"
    NS = "ns"
    CERT_LAPSE = "cert-lapse"
    CERT_EXPIRING = "cert-expiring"


PORTAL_SWITCHES = frozenset({Switch.PORTAL_DOWN, Switch.DEFACE, Switch.CERT_LAPSE, Switch.CERT_EXPIRING})
CERT_SWITCHES = {Switch.CERT_LAPSE: CertSpec(expired=True), Switch.CERT_EXPIRING: CertSpec(expiring=True)}


class SwitchError(Exception):
    """A switch the lab cannot throw: ``code`` says why, ``values`` fill its message."""

    def __init__(self, code: str, **values: str) -> None:
        super().__init__(code, values)
        self.code = code  # unknown-switch, unknown-agency, no-portal, no-domain, no-web
        self.values = values


@dataclass(frozen=True)
class Thrown:
    """One switch on: which, on which agency, and what it changed (a portal URL or a domain)."""

    switch: Switch
    agency: str
    target: str

    def as_dict(self) -> dict[str, str]:
        return {"switch": self.switch.value, "agency": self.agency, "target": self.target}


@dataclass(frozen=True)
class LabAgency:
    """An agency of the lab's inventory, as the switches need it."""

    code: str
    portals: tuple[str, ...]
    domains: tuple[str, ...]


def lab_agencies(inventory_yaml: str) -> dict[str, LabAgency]:
    """The agencies of the lab's own inventory (``Lab.inventory_yaml``), by code."""
    data = yaml.safe_load(inventory_yaml)
    return {
        str(a["code"]): LabAgency(
            str(a["code"]),
            tuple(str(url) for url in a.get("portals") or ()),
            tuple(str(d["name"] if isinstance(d, dict) else d) for d in a.get("domains") or ()),
        )
        for a in data["agencies"]
    }


class RunningLab(Protocol):
    """What the switches use of :class:`canhgac.lab.runtime.Lab`."""

    web: WebLab | None
    mail_error: str

    def replace_zone(self, origin: str, text: str) -> list[str]: ...


def parse_switch(name: str) -> Switch:
    try:
        return Switch(name)
    except ValueError:
        raise SwitchError("unknown-switch", switch=name, known=", ".join(s.value for s in Switch)) from None


class LabSwitches:
    """The switches of one running lab (``Lab.switches``)."""

    def __init__(self, lab: RunningLab, agencies: Mapping[str, LabAgency]) -> None:
        self._lab = lab
        self._agencies = dict(agencies)
        self._on: dict[tuple[Switch, str], Thrown] = {}
        self._sites: dict[str, Site] = {}  # portal URL -> the site it served at start
        self._certs: dict[str, tuple[str, str] | None] = {}  # portal URL -> its certificate at start
        self._zones: dict[str, str] = {}  # origin -> the text served now, once a switch changed it
        self._start_zones: dict[str, str] = {}  # every zone's text at start, rendered at first need

    @property
    def on(self) -> tuple[Thrown, ...]:
        return tuple(self._on.values())

    async def break_(self, switch: Switch | str, agency: str) -> Thrown:
        """Throw ``switch`` on ``agency``; throwing one that is on already changes nothing."""
        switch = parse_switch(switch) if isinstance(switch, str) else switch
        thrown = Thrown(switch, agency, self._target(switch, agency))
        self._on[(switch, agency)] = thrown
        await self._apply(thrown)
        return thrown

    async def restore(
        self, switch: Switch | str | None = None, agency: str | None = None
    ) -> tuple[Thrown, ...]:
        """Put back every switch that is on (or only ``switch``, only on ``agency``); those put back."""
        wanted = parse_switch(switch) if isinstance(switch, str) else switch
        if agency is not None and agency not in self._agencies:
            raise self._unknown_agency(agency)
        undone = [
            t
            for t in self._on.values()
            if (wanted is None or t.switch is wanted) and (agency is None or t.agency == agency)
        ]
        for thrown in undone:
            del self._on[(thrown.switch, thrown.agency)]
            await self._apply(thrown)
        return tuple(undone)

    def _target(self, switch: Switch, agency: str) -> str:
        found = self._agencies.get(agency)
        if found is None:
            raise self._unknown_agency(agency)
        if switch in PORTAL_SWITCHES:
            if self._lab.web is None:
                raise SwitchError("no-web", reason=self._lab.mail_error)
            url = next((u for u in found.portals if u in self._lab.web.servers), None)
            if url is None:
                raise SwitchError("no-portal", agency=agency)
            return url
        if not found.domains:
            raise SwitchError("no-domain", agency=agency)
        return found.domains[0]

    def _unknown_agency(self, agency: str) -> SwitchError:
        return SwitchError("unknown-agency", agency=agency, known=", ".join(sorted(self._agencies)))

    def _active(self, switch: Switch, target: str) -> bool:
        return any(t.switch is switch and t.target == target for t in self._on.values())

    async def _apply(self, thrown: Thrown) -> None:
        """Make the servers of ``thrown``'s target serve what the switches now on say."""
        if thrown.switch in (Switch.MX, Switch.NS):
            self._serve_zones()
            return
        assert self._lab.web is not None
        url = thrown.target
        server = self._lab.web.servers[url]
        self._sites.setdefault(url, server.site)
        self._certs.setdefault(url, server.cert)
        if thrown.switch is Switch.DEFACE:
            server.site = self._defaced(server) if self._active(Switch.DEFACE, url) else self._sites[url]
            return
        cert = self._certs[url]
        for kind, spec in CERT_SWITCHES.items():
            if self._active(kind, url) and server.plan is not None:
                cert = certificate(server.plan.host, spec)
        down = self._active(Switch.PORTAL_DOWN, url)
        if cert != server.cert or down:
            await server.stop()  # a listening socket takes its certificate when it starts
        server.cert = cert
        if not down and not server.listening:
            await server.start()

    def _defaced(self, server: LabWebServer) -> Site:
        if server.plan is None:  # every portal of the web lab has its plan
            raise SwitchError("no-portal", agency="")
        return PortalSite(replace(server.plan, plants=server.plan.plants | {Plant.DEFACED}))

    def _serve_zones(self) -> None:
        replanted: dict[str, Planter] = {}
        for thrown in self._on.values():
            if thrown.switch in (Switch.MX, Switch.NS):
                domain = thrown.target
                kinds = {t.switch for t in self._on.values() if t.target == domain}
                replanted[domain] = _hijacked(planter_of(domain), frozenset(kinds))
        texts = render_zones(replanted)
        start = self._start_zones = self._start_zones or render_zones({})
        for origin, text in texts.items():
            if text != self._zones.get(origin, start[origin]):
                self._lab.replace_zone(origin, text)
                self._zones[origin] = text


def _hijacked(plant: Planter, kinds: frozenset[Switch]) -> Planter:
    """The agency's own faults, then the switches' changes of its MX or NS set."""

    def planted(records: Records, domain: str) -> None:
        plant(records, domain)
        if Switch.MX in kinds:
            records[("@", "MX")] = [MX_HIJACKED]
        if Switch.NS in kinds:
            first = records[("@", "NS")][0]
            records[("@", "NS")] = [first, f"{NS_HIJACKED}.{domain}."]
            records[(f"{NS_HIJACKED}.{domain}.", "A")] = [_hijack_address(records, domain)]

    return planted


def _hijack_address(records: Mapping[tuple[str, str], list[str]], domain: str) -> str:
    """127.57.N.1 for agency N (the number of its ns1 address, 127.53.N.1)."""
    ns1 = records.get((f"ns1.{domain}.", "A"), ["127.53.250.1"])[0]
    return f"127.57.{ns1.split('.')[2]}.1"
