"""A local mail sink: the mailboxes of the people on duty in ``canhgac demo --watch``.

An SMTP server (aiosmtpd) on a loopback address that requires STARTTLS (a certificate of the lab
CA, so the watch's e-mail channel trusts it through the lab's ``ca.pem``) and AUTH (a user and
a password made for the run) before it takes a message, as a provincial relay would: the watch
delivers to it with its real e-mail client. It keeps every message with the time it arrived;
:meth:`MailSink.wait_for` waits for one to a mailbox.
"""

from __future__ import annotations

import logging
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from canhgac.lab.certificates import CertSpec, certificate
from canhgac.lab.pki import server_context

SINK_ADDRESS = "127.0.0.1"
SINK_USER = "canhgac-demo"


def _not_login_data_warning(record: logging.LogRecord) -> bool:
    """aiosmtpd warns that it sets its own deprecated ``login_data`` at every successful AUTH."""
    return "login_data is deprecated" not in record.getMessage()


@dataclass(frozen=True)
class SunkMail:
    """One message as it reached one mailbox."""

    to: str
    subject: str
    text: str
    message_id: str
    at: float  # time.monotonic() when the sink accepted it


class _Handler:
    def __init__(self, sink: MailSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        mail = message_from_bytes(envelope.original_content or b"", policy=policy.default)
        text = mail.get_content() if isinstance(mail, EmailMessage) and not mail.is_multipart() else ""
        at, subject, message_id = time.monotonic(), str(mail["Subject"] or ""), str(mail["Message-ID"] or "")
        for to in envelope.rcpt_tos:
            self.sink.keep(SunkMail(to, subject, str(text), message_id, at))
        return "250 OK queued"


class MailSink:
    """``with MailSink() as sink:`` an SMTP server (STARTTLS and AUTH required) on 127.0.0.1."""

    def __init__(self, address: str = SINK_ADDRESS, port: int = 0) -> None:
        self.address = address
        self.port = port or _free_port(address)
        self.user = SINK_USER
        self.password = secrets.token_urlsafe(18)
        self._messages: list[SunkMail] = []
        self._changed = threading.Condition()
        self._controller: Controller | None = None

    def keep(self, mail: SunkMail) -> None:
        with self._changed:
            self._messages.append(mail)
            self._changed.notify_all()

    @property
    def messages(self) -> list[SunkMail]:
        with self._changed:
            return list(self._messages)

    def mailbox(self, address: str) -> list[SunkMail]:
        return [m for m in self.messages if m.to == address]

    def wait_for(self, matches: Callable[[SunkMail], bool], timeout: float) -> SunkMail | None:
        """The first message ``matches`` accepts, waiting up to ``timeout`` seconds for it."""
        ends = time.monotonic() + timeout
        with self._changed:
            while True:
                found = next((m for m in self._messages if matches(m)), None)
                left = ends - time.monotonic()
                if found is not None or left <= 0:
                    return found
                self._changed.wait(left)

    def _authenticate(
        self, server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and secrets.compare_digest(
            data.login + b"\0" + data.password, self.user.encode() + b"\0" + self.password.encode()
        )
        return AuthResult(success=ok, handled=False)

    def start(self) -> None:
        mail_log = logging.getLogger("mail.log")
        if _not_login_data_warning not in mail_log.filters:
            mail_log.addFilter(_not_login_data_warning)
        tls = server_context(certificate(self.address, CertSpec()))
        self._controller = Controller(
            _Handler(self),
            hostname=self.address,
            port=self.port,
            tls_context=tls,
            require_starttls=True,
            auth_required=True,
            authenticator=self._authenticate,
            server_hostname="sink.lab.test",
            ready_timeout=10,
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> MailSink:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _free_port(address: str) -> int:
    with socket.socket() as sock:
        sock.bind((address, 0))
        return int(sock.getsockname()[1])
