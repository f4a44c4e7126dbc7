"""The SSH probe against a minimal SSH server written here (curve25519-sha256, ssh-ed25519 host
key, aes128-ctr, hmac-sha2-256): the identification line, the key exchange, and the methods
listed after a "none" USERAUTH_REQUEST. The server is checked against the real OpenSSH client
when one is installed, so that both sides are known to speak real SSH.
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from test_service_probes_responders import serve

from canhgac.engine.context import NetworkLimits
from canhgac.engine.facts.services import Service
from canhgac.engine.service_probes.base import Conn
from canhgac.engine.service_probes.identify import ProbeOptions, identify
from canhgac.engine.service_probes.ssh import parse_identification
from canhgac.engine.service_probes.ssh_wire import Reader, Transport, derive, mpint, string
from canhgac.lab.ssh_server import _kexinit as server_kexinit

LIMITS = NetworkLimits(connect_timeout=1.0, read_timeout=1.0)
HOST_KEY = ed25519.Ed25519PrivateKey.generate()


def ssh_server(banner: bytes, methods: bytes, *, accept_none: bool = False):  # type: ignore[no-untyped-def]
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = Conn(reader, writer, NetworkLimits(read_timeout=5))
        await conn.send(banner + b"\r\n")
        client_id = (await conn.read_until(b"\n", 255)).rstrip(b"\r\n")
        transport = Transport(conn)
        ours = server_kexinit()  # the lab SSH server's KEXINIT: the same algorithms
        await transport.send(ours)
        theirs = await transport.receive()
        init = await transport.receive()
        client_public = Reader(init, 1).string()
        ephemeral = x25519.X25519PrivateKey.generate()
        public = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        secret = int.from_bytes(
            ephemeral.exchange(x25519.X25519PublicKey.from_public_bytes(client_public)), "big"
        )
        host_key = string(b"ssh-ed25519") + string(
            HOST_KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        )
        h = hashlib.sha256(
            b"".join(
                (
                    string(client_id),
                    string(banner),
                    string(theirs),
                    string(ours),
                    string(host_key),
                    string(client_public),
                    string(public),
                    mpint(secret),
                )
            )
        ).digest()
        signature = string(b"ssh-ed25519") + string(HOST_KEY.sign(h))
        await transport.send(bytes((31,)) + string(host_key) + string(public) + string(signature))
        await transport.send(bytes((21,)))
        assert (await transport.receive())[:1] == bytes((21,))

        def key(letter: bytes, size: int) -> bytes:
            return derive(secret, h, letter, h, size)

        transport.out.key("aes128-ctr", "hmac-sha2-256", key(b"B", 16), key(b"D", 32), key(b"F", 32), True)
        transport.into.key("aes128-ctr", "hmac-sha2-256", key(b"A", 16), key(b"C", 32), key(b"E", 32), False)
        request = await transport.receive()
        assert Reader(request, 1).string() == b"ssh-userauth"
        await transport.send(bytes((6,)) + string(b"ssh-userauth"))
        while True:
            auth = await transport.receive()
            reader_ = Reader(auth, 1)
            user, _service, method = reader_.string(), reader_.string(), reader_.string()
            assert user and method in (b"none", b"publickey", b"password", b"keyboard-interactive")
            if method == b"none" and accept_none:
                await transport.send(bytes((52,)))
            else:
                await transport.send(bytes((51,)) + string(methods) + b"\x00")

    return handle


async def _probe(handler) -> object:  # type: ignore[no-untyped-def]
    async with serve(handler) as (host, port):
        return await identify(host, port, ProbeOptions(LIMITS))


async def test_password_methods_are_learnt_without_credentials() -> None:
    reading = await _probe(ssh_server(b"SSH-2.0-OpenSSH_7.4", b"publickey,gssapi-with-mic,password"))
    assert reading.service is Service.SSH and (reading.product, reading.version) == ("openssh", "7.4")
    assert reading.ssh is not None and reading.ssh.auth_methods == (
        "publickey",
        "gssapi-with-mic",
        "password",
    )
    assert reading.failure is None


async def test_publickey_only_and_none_accepted() -> None:
    keys = await _probe(ssh_server(b"SSH-2.0-OpenSSH_9.8p1 Debian-3", b"publickey"))
    assert keys.ssh is not None and keys.ssh.auth_methods == ("publickey",)
    assert keys.version == "9.8p1"
    none = await _probe(ssh_server(b"SSH-2.0-dropbear_2019.78", b"", accept_none=True))
    assert (
        none.ssh is not None
        and none.ssh.none_accepted
        and (none.product, none.version) == ("dropbear", "2019.78")
    )


async def test_banner_then_silence_keeps_the_version() -> None:
    async def stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.5\r\n")
        await writer.drain()
        await asyncio.sleep(30)

    reading = await _probe(stall)
    assert (reading.service, reading.version) == (Service.SSH, "8.2p1")
    assert reading.ssh is not None and reading.ssh.auth_methods is None and reading.failure is not None


def test_identification_parsing() -> None:
    assert parse_identification("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6") == ("openssh", "8.9p1")
    assert parse_identification("SSH-2.0-libssh_0.9.6") == ("libssh", "0.9.6")
    assert parse_identification("SSH-2.0-Go") == ("", "")


async def test_the_server_speaks_real_ssh_to_openssh() -> None:
    client = shutil.which("ssh")
    if client is None:
        pytest.skip("no OpenSSH client")
    async with serve(ssh_server(b"SSH-2.0-OpenSSH_7.4", b"publickey,password")) as (host, port):
        proc = await asyncio.create_subprocess_exec(
            client,
            "-vv",
            "-F",
            "/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "KexAlgorithms=curve25519-sha256",
            "-o",
            "Ciphers=aes128-ctr",
            "-o",
            "MACs=hmac-sha2-256",
            "-o",
            "PreferredAuthentications=none,password",
            "-p",
            str(port),
            f"probe@{host}",
            "true",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(proc.communicate(), 10)
    text = err.decode(errors="replace")
    assert "Authentications that can continue: publickey,password" in text, text[-1500:]
