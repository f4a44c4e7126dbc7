"""Starting and stopping the whole demo province on loopback: DNS, then the mail servers.

Every name server of the province and the lab resolver listen on one port: 53 when the
process may bind it (root, or inside a private network namespace), else a free high port,
which the engine is then told through ``CollectContext.nameserver_port``. The mail servers
(SMTP, IMAP, POP3, MTA-STS policy and webmail hosts) need their standard ports: without root
or a private network namespace they are not started, and their planted cases are not expected.
An address another server already holds (another lab sharing this network namespace) is not a
lack of privilege: :class:`LabAddressInUseError` names it, and the lab does not start.
"""

from __future__ import annotations

import asyncio
import errno
import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from canhgac.engine.dns import ServerAddress
from canhgac.lab.certificates import lab_ca
from canhgac.lab.dns_server import LabDnsCluster
from canhgac.lab.mail_lab import EXPECTED as MAIL_EXPECTED
from canhgac.lab.mail_lab import MailLab, start_mail_lab
from canhgac.lab.names import DNSBL_ZONE
from canhgac.lab.province import build_province
from canhgac.lab.services_lab import ServicesLab, start_services_lab
from canhgac.lab.services_plan import EXPECTED as SERVICES_EXPECTED
from canhgac.lab.web_lab import WebLab, start_web_lab
from canhgac.lab.web_plan import EXPECTED as WEB_EXPECTED

if TYPE_CHECKING:
    from canhgac.lab.switches import LabSwitches

STANDARD_PORT = 53
_BIND_ADDRESS = re.compile(r"\('([0-9a-fA-F.:]+)', (\d+)\)")  # how asyncio's bind errors name the address


class LabAddressInUseError(Exception):
    """A lab server's address and port are taken, most likely by another lab in this namespace."""

    def __init__(self, address: str, detail: str) -> None:
        super().__init__(f"{address}: {detail}")
        self.address = address  # "127.25.1.1:25", or the system's whole message when it names none
        self.detail = detail


def address_in_use(exc: OSError) -> LabAddressInUseError | None:
    """The :class:`LabAddressInUseError` an ``EADDRINUSE`` bind error means, else None."""
    if exc.errno != errno.EADDRINUSE:
        return None
    text = str(exc)
    found = _BIND_ADDRESS.search(text)
    return LabAddressInUseError(f"{found[1]}:{found[2]}" if found else text, text)


@dataclass
class Lab:
    """A running lab: where to resolve, which port name servers listen on, what to expect."""

    cluster: LabDnsCluster
    resolver: ServerAddress
    nameserver_port: int
    inventory_yaml: str
    expected_findings: tuple[tuple[str, str], ...]
    mail: MailLab | None = None
    mail_error: str = ""  # why the mail and web servers did not start, when they did not
    web: WebLab | None = None
    services: ServicesLab | None = None
    ca_pem: str = ""  # what a scan of the lab must trust (the lab CA)
    dnsbl_zones: tuple[str, ...] = (DNSBL_ZONE,)
    loop: asyncio.AbstractEventLoop | None = None  # the event loop its servers run in

    async def stop(self) -> None:
        if self.services is not None:
            await self.services.stop()
        if self.web is not None:
            await self.web.stop()
        if self.mail is not None:
            await self.mail.stop()
        await self.cluster.stop()

    def replace_zone(self, origin: str, text: str) -> list[str]:
        """Serve new text for zone ``origin`` on every server holding it (the resolver too).

        This is how a test "fixes" (or breaks) an agency while the lab runs: render the
        changed zone with :func:`canhgac.lab.province.render_zone` and pass it here. Signed
        zones are signed again with the same key. Call it from the lab's event loop; returns
        the addresses that now serve the new text (KeyError if none holds the zone).
        """
        return self.cluster.replace_zone(origin, text)

    @cached_property
    def switches(self) -> LabSwitches:
        """The switches that break an agency on demand and put it back (:mod:`canhgac.lab.switches`)."""
        from canhgac.lab.switches import LabSwitches, lab_agencies

        return LabSwitches(self, lab_agencies(self.inventory_yaml))

    @property
    def internal_errors(self) -> int:
        """Unexpected exceptions inside the lab's servers since start (zero when healthy).

        Every server the lab started counts: the DNS cluster (read it before :meth:`stop`, which
        forgets the name servers) and the mail, web and exposed-services labs when they run.
        """
        labs = (self.mail, self.web, self.services)
        return self.cluster.internal_errors + sum(lab.internal_errors for lab in labs if lab is not None)


async def start_lab(base_port: int | None = None, *, mail: bool | None = None) -> Lab:
    """Start every server of the province; ``base_port`` None tries 53, 0 picks a free port.

    ``mail``: True requires the mail servers, False leaves them out, None starts them when
    their ports can be bound (and says why not in ``Lab.mail_error``).
    """
    province = build_province()
    cluster = LabDnsCluster(province.servers, port=STANDARD_PORT if base_port is None else base_port)
    try:
        await cluster.start()
    except OSError as exc:
        if base_port is not None:
            raise address_in_use(exc) or exc from None
        cluster = LabDnsCluster(province.servers, port=0)  # 53 is taken or not ours to bind
        await cluster.start()
    mail_lab: MailLab | None = None
    web: WebLab | None = None
    services: ServicesLab | None = None
    mail_error = "not requested"
    if mail is not False:
        try:
            mail_lab = await start_mail_lab()
            web = await start_web_lab()
            services = await start_services_lab()
            mail_error = ""
        except OSError as exc:
            for started in (web, mail_lab):
                if started is not None:
                    await started.stop()
            mail_lab = web = None
            busy = address_in_use(exc)
            if mail or busy is not None:
                await cluster.stop()
                raise busy or exc from None
            mail_error = (
                f"mail servers not started ({exc.strerror or exc}): "
                "run as root or in a private network namespace"
            )
    served = MAIL_EXPECTED + WEB_EXPECTED + SERVICES_EXPECTED
    expected = province.expected_findings + (served if mail_lab is not None else ())
    return Lab(
        cluster=cluster,
        resolver=ServerAddress(province.resolver, cluster.port),
        nameserver_port=cluster.port,
        inventory_yaml=province.inventory_yaml,
        expected_findings=expected,
        mail=mail_lab,
        web=web,
        services=services,
        mail_error=mail_error,
        ca_pem=lab_ca().ca_pem,
        loop=asyncio.get_running_loop(),
    )
