"""The channels' real clients against local stand-ins on 127.0.0.1: e-mail over STARTTLS with
AUTH to an aiosmtpd sink trusting a test CA, Telegram through apprise's own client pointed at a
local ``sendMessage``, the JSON webhook with its signature; and how each failure is classed."""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import socket
import ssl
import threading
from pathlib import Path

import pytest
from watch_sink_support import PASSWORD, USER, free_port, http_stand_in, pki, smtp_sink

from canhgac.watch.channel_config import EmailChannel, TelegramChannel, WebhookChannel
from canhgac.watch.senders import DeliveryError, EmailSender, Outgoing, TelegramSender, WebhookSender

TEXT = "Cảnh báo #7 (Nghiêm trọng)\nCơ quan: SO-A\nTài sản: https://portal.so-a.gov.test/\n"


def _message(channel: str, address: str) -> Outgoing:
    return Outgoing("canhgac-7-abc", channel, address, "[canhgac] Cảnh báo #7 · SO-A", TEXT, {"alert": 7})


def _email(port: int, ca_file: Path, **extra: object) -> EmailSender:
    fields = {"host": "127.0.0.1", "port": port, "sender": "canhgac@stttt.test", "user": USER,
              "password": PASSWORD, "ca_file": str(ca_file), "timeout": 5.0, **extra}
    return EmailSender(EmailChannel.model_validate(fields))


def test_email_goes_over_starttls_with_auth_and_carries_the_delivery_key(tmp_path: Path) -> None:
    tls, port = pki(tmp_path), free_port()
    with smtp_sink(tls, port) as sink:
        _email(port, tls.ca_file).send(_message("email", "an@stttt.test"))
    (got,) = sink.received
    assert got.to == ["an@stttt.test"]
    assert got.message_id == "<canhgac-7-abc@canhgac>"
    assert got.mail["Subject"] == "[canhgac] Cảnh báo #7 · SO-A"
    assert "Cơ quan: SO-A" in got.text


def test_email_refuses_a_server_it_cannot_verify(tmp_path: Path) -> None:
    tls, port = pki(tmp_path), free_port()
    (tmp_path / "other").mkdir()
    stranger = pki(tmp_path / "other")  # another CA: the sink's certificate is not trusted
    with smtp_sink(tls, port) as sink, pytest.raises(DeliveryError) as err:
        _email(port, stranger.ca_file).send(_message("email", "an@stttt.test"))
    assert not sink.received and not err.value.permanent
    assert "SSLCertVerificationError" in err.value.reason or "certificate" in err.value.reason


def test_email_a_refused_recipient_is_permanent_a_server_away_is_not(tmp_path: Path) -> None:
    tls, port = pki(tmp_path), free_port()
    with smtp_sink(tls, port) as sink:
        sink.refuse.add("nobody@stttt.test")
        with pytest.raises(DeliveryError) as refused:
            _email(port, tls.ca_file).send(_message("email", "nobody@stttt.test"))
    assert refused.value.permanent and "550" in refused.value.reason
    with pytest.raises(DeliveryError) as away:
        _email(port, tls.ca_file).send(_message("email", "an@stttt.test"))  # the sink is stopped
    assert not away.value.permanent and "ConnectionRefused" in away.value.reason


def test_email_wrong_password_fails_without_sending(tmp_path: Path) -> None:
    tls, port = pki(tmp_path), free_port()
    with smtp_sink(tls, port) as sink, pytest.raises(DeliveryError) as err:
        _email(port, tls.ca_file, password="wrong").send(_message("email", "an@stttt.test"))
    assert not sink.received and "535" in err.value.reason


def test_email_never_sends_auth_to_a_server_without_starttls(tmp_path: Path) -> None:
    """A plain server (no STARTTLS offered): refused before AUTH, the password never sent."""
    port, seen = free_port(), []
    listener = socket.create_server(("127.0.0.1", port))

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.sendall(b"220 plain.test ESMTP\r\n")
            data = b""
            while b"\r\n" not in data:
                data += conn.recv(1024)
            seen.append(data)
            conn.sendall(b"250-plain.test\r\n250 AUTH PLAIN LOGIN\r\n")
            seen.append(conn.recv(1024))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    with pytest.raises(DeliveryError) as err:
        _email(port, pki(tmp_path).ca_file).send(_message("email", "an@stttt.test"))
    thread.join(5)
    listener.close()
    assert "STARTTLS" in err.value.reason
    assert not any(b"AUTH" in chunk for chunk in seen)


def test_telegram_is_apprises_client_pointed_at_the_configured_api() -> None:
    with http_stand_in() as (log, port):
        sender = TelegramSender(TelegramChannel(token="123456:test-token", api_url=f"http://127.0.0.1:{port}",
                                                timeout=5.0))
        sender.send(_message("telegram", "987654"))
    ((path, headers, body),) = log.posts
    assert path == "/bot123456:test-token/sendMessage"
    sent = json.loads(body)
    assert str(sent["chat_id"]) == "987654" and "Cơ quan: SO-A" in sent["text"]
    assert "apprise" in headers.get("User-Agent", "").lower()


def test_telegram_failure_is_a_retryable_error_without_the_token() -> None:
    with http_stand_in() as (log, port):
        log.status = 400
        sender = TelegramSender(TelegramChannel(token="123456:test-token", api_url=f"http://127.0.0.1:{port}",
                                                timeout=5.0))
        with pytest.raises(DeliveryError) as err:
            sender.send(_message("telegram", "987654"))
    assert "test-token" not in err.value.reason and not err.value.permanent


def test_webhook_posts_the_alerts_fields_signed_with_an_idempotency_key() -> None:
    with http_stand_in() as (log, port):
        WebhookSender(WebhookChannel(secret="s3cret", timeout=5.0)).send(
            _message("webhook", f"http://127.0.0.1:{port}/hooks/canhgac"))
        log.status = 404
        with pytest.raises(DeliveryError) as gone:
            WebhookSender(WebhookChannel(timeout=5.0)).send(_message("webhook", f"http://127.0.0.1:{port}/x"))
    path, headers, body = log.posts[0]
    assert path == "/hooks/canhgac" and json.loads(body)["alert"] == 7
    assert headers["Idempotency-Key"] == "canhgac-7-abc"
    assert headers["X-Canhgac-Signature"] == "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert gone.value.permanent


def test_webhook_server_away_is_retryable() -> None:
    with pytest.raises(DeliveryError) as err:
        WebhookSender(WebhookChannel(timeout=2.0)).send(_message("webhook", f"http://127.0.0.1:{free_port()}/"))
    assert not err.value.permanent


def test_the_sink_really_requires_starttls_and_auth(tmp_path: Path) -> None:
    """The stand-in is strict, so a client that skipped STARTTLS or AUTH would fail above."""
    tls, port = pki(tmp_path), free_port()
    with smtp_sink(tls, port), smtplib.SMTP("127.0.0.1", port, timeout=5) as plain:
        code, _ = plain.mail("x@stttt.test")
        assert code == 530
        plain.starttls(context=ssl.create_default_context(cafile=str(tls.ca_file)))
        plain.ehlo()
        code, _ = plain.mail("x@stttt.test")
        assert code == 530  # authentication required
