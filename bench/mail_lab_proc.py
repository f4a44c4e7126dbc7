"""Serve the mail-servers benchmark's lab SMTP hosts from a separate process.

Usage: python -m bench.mail_lab_proc PLAN.json WORKDIR
PLAN.json is the list of hosts written by bench/mail_servers.py (name, addresses, ports and
the planted case of each). Writes the lab CA to WORKDIR/ca.pem, prints ``READY <listeners>``
once every server listens, then serves until killed. Runs under the loopback guard.

One change to the lab server's behaviour, for nmap: aiosmtpd writes (and drains) each line of
its multi-line EHLO reply separately, so the reply reaches the client in several TCP
segments. nmap's ``smtp`` library (nselib/smtp.lua ``query``: ``receive_lines(1)``) takes
whatever has arrived as the whole reply, then reads the rest of the EHLO reply as the answer
to STARTTLS, and ``ssl-enum-ciphers`` gives up ("STARTTLS failed or unavailable") on every
host. Postfix and Exim send the EHLO reply in one write; the benchmark's servers do too
(:class:`_OneWriteReplies`), so that nmap can be measured at all.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from bench.lab_procs import serve_plan
from bench.lab_tls import tls_context
from canhgac.lab.pki import KeyKind, LabCA
from canhgac.lab.smtp_server import LabSmtpServer, _LabSmtp


class _OneWriteReplies(_LabSmtp):
    """The lab's SMTP session, each multi-line reply sent in one write (see the module docstring).

    A line whose code is followed by "-" (RFC 5321 4.2.1: more lines follow) is held back
    until the reply's last line, then the whole reply is written at once.
    """

    _held: bytes = b""

    async def push(self, status: Any) -> None:
        line = status.encode("ascii") if isinstance(status, str) else status
        if line[3:4] == b"-":
            self._held += line + b"\r\n"
            return
        line, self._held = self._held + line, b""
        await super().push(line)


class BenchSmtpServer(LabSmtpServer):
    def _protocol(self) -> _LabSmtp:
        # LabSmtpServer._protocol builds a _LabSmtp with the planted case's arguments; keep them
        # all and change only the class (push is looked up on the class at each call)
        protocol = super()._protocol()
        protocol.__class__ = _OneWriteReplies
        return protocol


def certificate(ca: LabCA, host: dict[str, Any]) -> tuple[str, str]:
    # EC P-256 keys: 200 RSA keys would take the setup longer than some of the scans
    return ca.issue(
        [host["name"]],
        expired=host["cert"] == "expired",
        self_signed=host["cert"] == "self-signed",
        key_type=KeyKind.EC256 if host["key"] == "ec256" else KeyKind.RSA2048,
    )


async def serve(plan: list[dict[str, Any]], work: Path) -> None:
    ca = LabCA("canhgac bench lab CA")
    ca.write_ca(work)
    async with AsyncExitStack() as stack:
        listeners = 0
        for host in plan:
            context = None
            if host["tls"] != "none":
                context = tls_context(host["tls"], certificate(ca, host))
            for address in host["addresses"]:
                for port in host["ports"]:
                    server = BenchSmtpServer(
                        address=address,
                        port=port,
                        banner=f"{host['name']} ESMTP",
                        tls_context=context,
                        open_relay=host["open_relay"],
                        local_domains=[host["domain"]],
                    )
                    await stack.enter_async_context(server)
                    listeners += 1
        print(f"READY {listeners}", flush=True)
        await asyncio.Event().wait()


def main() -> None:
    serve_plan(serve)


if __name__ == "__main__":
    main()
