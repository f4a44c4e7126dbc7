"""Issue 16, item 3: the range API answers as api.pwnedpasswords.com does, byte for byte.

The expected bodies are built from the synthetic corpus in the public format (upper-case
suffixes in order, ``SUFFIX:COUNT`` joined by CRLF, no final line break); the server is run on
loopback and spoken to over a socket.
"""

from __future__ import annotations

import asyncio
import http.client
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pwned_corpus_support import corpus, password, public_range, write_ordered

from canhgac.creds.pwned import HashKind, PwnedStore, RangeClient, RangeClientError, import_corpus, range_body
from canhgac.creds.pwned.hashes import digest_of
from canhgac.creds.pwned.rangeapi import PrefixError, parse_prefix
from canhgac.creds.pwned.server import serve

# 5,000 hashes over 2^20 prefixes: a few shared prefixes; the busiest ones are the samples
ROWS = corpus(5000)
NTLM_ROWS = corpus(800, ntlm=True)


def _busiest(rows: dict[str, int], n: int) -> list[str]:
    seen: dict[str, int] = {}
    for h in rows:
        seen[h[:5]] = seen.get(h[:5], 0) + 1
    return sorted(seen, key=lambda p: (-seen[p], p))[:n]


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[HashKind, PwnedStore]]:
    folder = tmp_path_factory.mktemp("range")
    import_corpus([write_ordered(folder / "sha1.txt", ROWS)], folder / "sha1.store")
    import_corpus([write_ordered(folder / "ntlm.txt", NTLM_ROWS)], folder / "ntlm.store", kind=HashKind.NTLM)
    opened = {HashKind.SHA1: PwnedStore(folder / "sha1.store"),
              HashKind.NTLM: PwnedStore(folder / "ntlm.store")}
    yield opened
    for store in opened.values():
        store.close()


@pytest.fixture(scope="module")
def server(stores: dict[HashKind, PwnedStore]) -> Iterator[str]:
    loop = asyncio.new_event_loop()
    started: asyncio.Future[tuple[str, int]] = loop.create_future()
    task = loop.create_task(serve(stores, "127.0.0.1", 0, started))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    host, port = _wait(loop, started)
    yield f"http://{host}:{port}"

    async def stop() -> None:
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        task.cancel()
        for t in others:  # the server and its connections' handlers
            t.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


def _wait(loop: asyncio.AbstractEventLoop, started: asyncio.Future[tuple[str, int]]) -> tuple[str, int]:
    done = threading.Event()
    loop.call_soon_threadsafe(lambda: started.add_done_callback(lambda _f: done.set()))
    assert done.wait(10)
    return started.result()


def test_bodies_are_the_public_format_byte_for_byte(stores: dict[HashKind, PwnedStore]) -> None:
    for prefix in [*_busiest(ROWS, 5), "00000", "FFFFF"]:
        assert range_body(stores[HashKind.SHA1], parse_prefix(prefix)) == public_range(ROWS, prefix)
    sample = _busiest(ROWS, 1)[0]
    assert range_body(stores[HashKind.SHA1], parse_prefix(sample)).count(b"\r\n") >= 1
    for prefix in _busiest(NTLM_ROWS, 3):
        expected = public_range(NTLM_ROWS, prefix, hex_len=32)
        assert range_body(stores[HashKind.NTLM], parse_prefix(prefix)) == expected


def test_padding_brings_800_to_1000_lines_of_count_0_in_order(stores: dict[HashKind, PwnedStore]) -> None:
    prefix = _busiest(ROWS, 1)[0]
    plain = public_range(ROWS, prefix)
    sizes = set()
    for _i in range(20):
        body = range_body(stores[HashKind.SHA1], parse_prefix(prefix), padding=True)
        lines = body.split(b"\r\n")
        assert 800 <= len(lines) <= 1000 and not body.endswith(b"\r\n")
        assert lines == sorted(lines)
        assert all((len(line.split(b":")[0]) == 35 and line.split(b":")[0].isupper()) or
                   line.split(b":")[0].isdigit() for line in lines)
        assert b"\r\n".join(line for line in lines if not line.endswith(b":0")) == plain
        sizes.add(len(lines))
    assert len(sizes) > 1  # the size varies: it does not tell the prefix
    ntlm = range_body(stores[HashKind.NTLM], parse_prefix("00000"), padding=True).split(b"\r\n")
    assert all(len(line) == 27 + 2 for line in ntlm)


@pytest.mark.parametrize("bad", ["", "1234", "123456", "12G45", "12 45", "-1234", "0x123", "1_234",
                                 "１２３４５"])
def test_a_wrong_prefix_is_refused(bad: str) -> None:
    with pytest.raises(PrefixError):
        parse_prefix(bad)


def _get(base: str, path: str, headers: dict[str, str] | None = None,
         method: str = "GET") -> tuple[int, bytes, dict[str, str]]:
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request(method, path, headers=headers or {})
    answer = conn.getresponse()
    body = answer.read()
    conn.close()
    return answer.status, body, {k.lower(): v for k, v in answer.getheaders()}


def test_the_server_answers_the_public_api(server: str) -> None:
    prefix = _busiest(ROWS, 1)[0]
    status, body, headers = _get(server, f"/range/{prefix.lower()}")
    assert (status, body) == (200, public_range(ROWS, prefix))
    assert headers["content-type"] == "text/plain"
    ntlm_prefix = _busiest(NTLM_ROWS, 1)[0]
    expected = public_range(NTLM_ROWS, ntlm_prefix, hex_len=32)
    assert _get(server, f"/range/{ntlm_prefix}?mode=ntlm")[:2] == (200, expected)
    status, padded, _h = _get(server, f"/range/{prefix}", {"Add-Padding": "true"})
    assert status == 200 and 800 <= padded.count(b"\r\n") + 1 <= 1000
    assert _get(server, "/range/XYZ12")[:2] == (400, b"The hash prefix was not in a valid format")
    assert _get(server, "/range/1234")[0] == 400
    assert _get(server, "/other")[0] == 404
    assert _get(server, f"/range/{prefix}", method="POST")[0] == 405
    status, empty, headers = _get(server, f"/range/{prefix}", method="HEAD")
    assert (status, empty) == (200, b"") and int(headers["content-length"]) == len(public_range(ROWS, prefix))


def test_keep_alive_answers_several_requests_on_one_connection(server: str) -> None:
    host, port = server.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    for prefix in _busiest(ROWS, 3):
        conn.request("GET", f"/range/{prefix}")
        answer = conn.getresponse()
        assert answer.read() == public_range(ROWS, prefix)
    conn.close()


def test_the_client_sends_only_the_prefix_and_finds_the_count(server: str) -> None:
    client = RangeClient(server)
    for i in (0, 1, 4999):
        digest = digest_of(password(i), HashKind.SHA1)
        assert client.count(digest) == ROWS[digest.hex().upper()]
    assert client.count(digest_of("not in the corpus", HashKind.SHA1)) == 0
    ntlm = digest_of(password(3), HashKind.NTLM)
    assert client.count(ntlm, HashKind.NTLM) == NTLM_ROWS[ntlm.hex().upper()]


def test_the_client_fails_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(RangeClientError, match="http:// or https://"):
        RangeClient("ftp://127.0.0.1/")
    with pytest.raises(RangeClientError, match="cannot be reached") as failed:
        RangeClient("http://127.0.0.1:9", timeout=2).count(digest_of("x", HashKind.SHA1))
    assert digest_of("x", HashKind.SHA1).hex().upper()[5:] not in str(failed.value)
