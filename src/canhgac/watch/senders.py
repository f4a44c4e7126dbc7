"""The channels' clients: one small class per channel, each sending one message to one
address and saying how it failed (:class:`DeliveryError`, permanent or worth a retry).

- **E-mail**: the standard library's ``smtplib``. apprise's e-mail plugin is ``smtplib`` too, but
  it trusts only the system's CA store (the province's mail relay may carry the provincial
  CA's certificate), makes its own Message-ID (ours is the delivery's key, so a copy is
  recognisable) and answers a bare true/false where a refused recipient (5xx: give up) must be
  told from a server away (retry). STARTTLS is required before AUTH: never a password in clear.
- **Telegram**: apprise's ``NotifyTelegram``, the real client, with its API base URL taken from
  the settings (a subclass sets the one attribute apprise builds the URL from), so a test runs a
  local stand-in of ``sendMessage`` and a province can go through its own relay.
- **Webhook**: ``httpx`` posting canhgac's own JSON (the alert's fields, not apprise's fixed
  title/body schema), with an ``Idempotency-Key`` header and, when a secret is configured, an
  HMAC-SHA256 signature of the body.

Synchronous (``smtplib`` and apprise are): the delivery loop calls them in worker threads.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import smtplib
import socket
import ssl
from collections.abc import Sequence
from email import policy
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from canhgac.watch.channel_config import ChannelConfig, EmailChannel, TelegramChannel, WebhookChannel
from canhgac.watch.outgoing import Attachment, DeliveryError, Outgoing, Sender


class EmailSender:
    def __init__(self, config: EmailChannel) -> None:
        self.config = config

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.config.ca_file or None)

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        local = socket.gethostname() or "canhgac"  # not getfqdn(): no reverse lookup per message
        if c.security == "tls":
            return smtplib.SMTP_SSL(c.host, c.port, local, timeout=c.timeout, context=self._context())
        smtp = smtplib.SMTP(c.host, c.port, local, timeout=c.timeout)
        try:
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                raise DeliveryError(f"{c.host}:{c.port} does not offer STARTTLS (required)")
            smtp.starttls(context=self._context())
            smtp.ehlo()
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: Outgoing, attachments: Sequence[Attachment] = ()) -> None:
        """Send ``message`` (with ``attachments``, if any: the alerts have none)."""
        c = self.config
        mail = mail_of(message, c.sender, attachments)
        try:
            with self._connect() as smtp:
                if c.user:
                    _login(smtp, c.user, c.password)
                smtp.send_message(mail, from_addr=c.sender, to_addrs=[message.address])
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryError(
                f"recipient refused: {exc.recipients}", permanent=all(500 <= code < 600 for code in codes)
            ) from None
        except smtplib.SMTPResponseException as exc:
            said = exc.smtp_error
            text = said.decode(errors="replace") if isinstance(said, bytes) else str(said)
            raise DeliveryError(f"{c.host}:{c.port} answered {exc.smtp_code} {text}") from None
        except (OSError, smtplib.SMTPException) as exc:  # refused, timed out, TLS, disconnected
            raise DeliveryError(f"{c.host}:{c.port}: {type(exc).__name__}: {exc}") from None


# Python's header folder (at 78 characters) drops the space between an encoded word and the word
# after it in about one Vietnamese subject in eight ("Nghiêm trọng· STTTT"); folded at RFC 5322's
# 998 instead, a subject (at most 250 characters) stays on one line, one encoded word, intact.
MAIL_POLICY = policy.SMTP.clone(max_line_length=998)


def mail_of(message: Outgoing, sender: str, attachments: Sequence[Attachment] = ()) -> EmailMessage:
    """The e-mail for one message: UTF-8 subject and text, a Message-ID from the delivery's key;
    with ``attachments`` (a campaign letter's Word file) a multipart/mixed message whose first part
    is the same text. Without them (every alert) the single text part, exactly as before."""
    mail = EmailMessage(policy=MAIL_POLICY)
    mail["From"] = sender
    mail["To"] = message.address
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = f"<{message.key}@canhgac>"
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.text, cte="quoted-printable")  # 7-bit safe for any relay
    for found in attachments:
        maintype, _slash, subtype = found.content_type.partition("/")
        mail.add_attachment(
            found.data, maintype=maintype, subtype=subtype or "octet-stream", filename=found.name
        )  # base64: bytes parts always are
    return mail


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """``smtplib`` encodes credentials as ASCII; a Vietnamese password goes as UTF-8 in AUTH
    PLAIN (RFC 4616), which is what servers expect."""
    if user.isascii() and password.isascii():
        smtp.login(user, password)
        return
    if "PLAIN" not in smtp.esmtp_features.get("auth", "").upper().split():
        raise DeliveryError("the server offers no AUTH PLAIN for a non-ASCII user name or password")
    token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode()
    code, said = smtp.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, said)


class TelegramSender:
    def __init__(self, config: TelegramChannel) -> None:
        self.config = config

    def _bot(self, chat: str) -> Any:
        from apprise.plugins.telegram import NotifyTelegram

        api = self.config.api_url.rstrip("/") + "/bot"

        class _Telegram(NotifyTelegram):  # type: ignore[misc,no-untyped-call]
            notify_url = api  # where apprise sends sendMessage (default https://api.telegram.org/bot)

        return _Telegram(  # type: ignore[no-untyped-call]
            bot_token=self.config.token,
            targets=[chat],
            detect_owner=False,
            include_image=False,
            retry=0,  # the outbox retries, with its back-off and its lease
            cto=self.config.timeout,
            rto=self.config.timeout,
        )

    def send(self, message: Outgoing) -> None:
        import apprise

        try:
            bot = self._bot(message.address)
        except (TypeError, ValueError) as exc:  # apprise refuses a malformed token or chat id
            raise DeliveryError(f"telegram: {exc}", permanent=True) from None
        capture = apprise.LogCapture(level=logging.WARNING, fmt="%(message)s")  # type: ignore[no-untyped-call]
        with capture as log:
            ok = bot.notify(body=message.text, title="", body_format=apprise.NotifyFormat.TEXT)
        if not ok:
            said = " ".join(log.getvalue().split())[:400] or "sendMessage failed"
            raise DeliveryError(f"telegram: {said.replace(self.config.token, '***')}")


class WebhookSender:
    def __init__(self, config: WebhookChannel) -> None:
        self.config = config

    def send(self, message: Outgoing) -> None:
        import httpx

        body = json.dumps(
            {"subject": message.subject, "text": message.text, **message.data}, ensure_ascii=False
        ).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": message.key}
        if self.config.secret:
            digest = hmac.new(self.config.secret.encode(), body, hashlib.sha256).hexdigest()
            headers["X-Canhgac-Signature"] = f"sha256={digest}"
        try:
            with httpx.Client(timeout=self.config.timeout, trust_env=False) as client:
                answer = client.post(message.address, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"webhook: {type(exc).__name__}: {exc}") from None
        if answer.status_code >= 300:
            permanent = 400 <= answer.status_code < 500 and answer.status_code not in (408, 425, 429)
            raise DeliveryError(f"webhook answered HTTP {answer.status_code}", permanent=permanent)


def senders(config: ChannelConfig) -> dict[str, Sender]:
    """A sender per configured channel."""
    out: dict[str, Sender] = {}
    if config.email is not None:
        out["email"] = EmailSender(config.email)
    if config.telegram is not None:
        out["telegram"] = TelegramSender(config.telegram)
    if config.webhook is not None:
        out["webhook"] = WebhookSender(config.webhook)
    return out
