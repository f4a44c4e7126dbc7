"""Local stand-ins of the alert channels on 127.0.0.1: an SMTP sink (aiosmtpd, STARTTLS and AUTH
required, a trustme CA), a Telegram Bot API ``sendMessage`` and a webhook receiver (one small
HTTP server). Each records what it received, so a test counts messages."""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

USER, PASSWORD = "canhgac", "mật-khẩu-thử"
PASSWORD_ENV = "CANHGAC_TEST_SMTP_PASSWORD"  # where the settings below tell canhgac to read PASSWORD
# a duty roster (``canhgac duty import``) whose one person is on duty for any test's date
ON_DUTY_ROSTER = (
    "person,role,start,end,email\n"
    "Trực ban An,on-duty,2020-01-01 00:00,2099-01-01 00:00,truc-ban@stttt.test\n"
)


def email_settings(port: int, ca_file: Path) -> str:
    """A settings file's ``[watch]`` table delivering the alerts through :func:`smtp_sink` on
    ``port`` (STARTTLS with the sink's CA, AUTH as USER with the password from PASSWORD_ENV)."""
    return f"""
[watch]
console-url = "http://127.0.0.1:8000"
poll = 0.5

[watch.email]
host = "127.0.0.1"
port = {port}
sender = "canhgac@stttt.test"
user = "{USER}"
password-env = "{PASSWORD_ENV}"
ca-file = "{ca_file}"
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Pki:
    ca: trustme.CA
    ca_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        return context


def pki(folder: Path) -> Pki:
    ca = trustme.CA()
    path = folder / "sink-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return Pki(ca, path)


@dataclass
class Received:
    to: list[str]
    mail: EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.mail["Message-ID"])

    @property
    def text(self) -> str:
        """The text (the whole message, or a multipart message's plain-text body)."""
        body = self.mail.get_body(preferencelist=("plain",)) if self.mail.is_multipart() else self.mail
        return str(body.get_content()) if body is not None else ""

    @property
    def attachments(self) -> list[tuple[str, bytes]]:
        """Each attached file's name and bytes (a campaign letter's Word file)."""
        return [(str(p.get_filename()), bytes(p.get_content())) for p in self.mail.iter_attachments()]


@dataclass
class _Handler:
    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # addresses answered 550
    stall: float = 0.0  # seconds the next message waits, stored, before its "250" (then 0 again)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.original_content or b""
        mail = message_from_bytes(content, policy=policy.default)
        assert isinstance(mail, EmailMessage)
        self.received.append(Received(list(envelope.rcpt_tos), mail))
        stall, self.stall = self.stall, 0.0
        if stall:
            await asyncio.sleep(stall)  # queued here, the client not told yet: RFC 1047's window
        return "250 OK queued"


def _authenticate(server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok, handled=False)


@contextmanager
def smtp_sink(tls: Pki, port: int) -> Iterator[_Handler]:
    """An SMTP server on 127.0.0.1:``port`` requiring STARTTLS and AUTH; yields what it received."""
    handler = _Handler()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        tls_context=tls.server_context(),
        require_starttls=True,
        auth_required=True,
        authenticator=_authenticate,
        server_hostname="sink.test",
        ready_timeout=10,
    )
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


@dataclass
class HttpLog:
    posts: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    status: int = 200  # what the stand-in answers

    def json_bodies(self, path_part: str = "") -> list[dict[str, Any]]:
        return [json.loads(body) for path, _h, body in self.posts if path_part in path]


@contextmanager
def http_stand_in(port: int = 0) -> Iterator[tuple[HttpLog, int]]:
    """One HTTP server on 127.0.0.1: Telegram's ``/bot<token>/sendMessage`` answers as the Bot
    API does, any other path is a webhook receiver."""
    log = HttpLog()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            log.posts.append((self.path, dict(self.headers.items()), body))
            if log.status != 200:
                answer: dict[str, Any] = {
                    "ok": False, "error_code": log.status, "description": "Bad Request: chat not found"}
            elif self.path.endswith("/sendMessage"):
                sent = json.loads(body)["text"]
                answer = {"ok": True, "result": {"message_id": len(log.posts), "text": sent}}
            else:
                answer = {"received": True}
            data = json.dumps(answer).encode()
            self.send_response(log.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield log, int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
