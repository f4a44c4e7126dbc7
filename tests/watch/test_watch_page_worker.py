"""New pages fingerprinted in a worker process (``watch/page_worker.py``): the same fingerprint as
on the loop, bytes for bytes; a worker killed or stalled is replaced and no page goes
unanswered; the queue holds at most its bound; shutdown answers what waits and never hangs; a
worker outlives neither a killed parent nor a SIGTERM'd one."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest
from page_worker_support import always_dies, dies_once, raises, slow, stalls, worker_pid
from test_watch_probe_pooling import PORTAL, ca_file, loopback, settings, zone

from canhgac.engine.facts.web import WebResponse
from canhgac.engine.options import WebOptions
from canhgac.lab.certificates import CertSpec, certificate
from canhgac.lab.dns_server import LabDnsServer
from canhgac.lab.https_server import LabHttpsServer, Route
from canhgac.watch import page_worker
from canhgac.watch.facts import HttpFacts
from canhgac.watch.fingerprint import fingerprint
from canhgac.watch.monitors import Monitor, MonitorKind
from canhgac.watch.page_worker import PageJob, PageWorker, page_fingerprint
from canhgac.watch.probes import EngineProber

__all__ = ["ca_file"]  # the fixture, imported

KEYWORDS = WebOptions().defacement_keywords
NEWS = "".join(f"<li><a href='/tin/{i}'>Tin số {i}: Sở A họp bàn kế hoạch Tết</a></li>" for i in range(60))


def pages() -> list[tuple[str, bytes, str]]:
    """(content type, body, URL): portal pages, a defaced one, legacy charsets, hostile bytes."""
    rng = random.Random(14)
    vn = ("<html><head><meta charset='windows-1258'><title>Sở Tư pháp</title></head>"
          "<body>Tin tức</body></html>")
    return [
        ("text/html; charset=utf-8",
         f"<!doctype html><title>Cổng thông tin Sở A</title><ul>{NEWS}</ul>".encode(),
         "https://portal.so-a.gov.vn/"),
        ("text/html", b"<html><title>Hacked by Nobody</title><body>\xc4\x91\xc3\xa3 b\xe1\xbb\x8b hack "
                      b"b\xe1\xbb\x9fi anonymous</body></html>", "http://portal.so-b.gov.vn/index.php"),
        ("text/html", vn.encode("cp1258", "replace"), "http://portal.so-c.gov.vn/"),
        ("text/html; charset=iso-8859-1", "<p>caf\xe9 ólé</p><a href=x>x</a>".encode("latin-1"),
         "http://a.gov.vn/p/q"),
        ("text/html", b"", "http://empty.gov.vn/"),
        ("text/html", bytes(rng.randrange(256) for _ in range(20_000)), "http://garbage.gov.vn/"),
        ("text/html", b"<a href='" + b"x" * 5000 + b"<title>unclosed<script>var a='</title>'",
         "http://b.gov.vn/"),
        ("text/html", b"<base href='http://other.gov.vn/d/'><a href='e'>e</a><a href='#top'>t</a>\x00\x00",
         "http://c.gov.vn/"),
        ("text/html", ("<p>" + "chữ " * 200_000 + "</p>").encode(), "http://big.gov.vn/"),
        ("text/html; charset=bogus-charset", b"<title>x</title>\xff\xfe", "http://d.gov.vn/"),
    ]


def responses() -> list[WebResponse]:
    return [WebResponse(url, url, status=200, headers=(("content-type", content_type),), body=body)
            for content_type, body, url in pages()]


def jobs() -> list[PageJob]:
    return [PageJob(resp.body, resp.charset(), resp.final_url, KEYWORDS) for resp in responses()]


async def test_the_worker_gives_the_loops_fingerprint_byte_for_byte() -> None:
    worker = PageWorker(1)
    try:
        found = await asyncio.gather(*(worker.fingerprint(job) for job in jobs()))
    finally:
        await worker.aclose()
    assert worker.in_worker == len(found) and worker.on_loop == 0 and worker.restarts == 0
    for resp, job, page in zip(responses(), jobs(), found, strict=True):
        # what the prober computed on the loop before the worker: the body decoded by the response
        before = fingerprint(resp.body, resp.text(), resp.final_url, KEYWORDS)
        assert page == before == page_fingerprint(job)
        assert repr(page) == repr(before)  # every field, in order
    assert any(page.keyword_hits for page in found)  # the defaced one


async def test_probes_give_the_same_facts_with_or_without_the_worker(ca_file: Path) -> None:
    web = loopback()
    body = f"<html><title>Sở B</title><body><p>Tin tức hôm nay</p><ul>{NEWS}</ul></body></html>"
    route = Route.text(body, content_type="text/html; charset=utf-8")
    async with (
        LabDnsServer(zones={"so-b.gov.test": zone(web)}, address=loopback()) as dns,
        LabHttpsServer(address=web, http_port=0, cert=certificate(PORTAL, CertSpec()),
                       routes={"/": route}, http_routes={"/": route}) as site,
    ):
        monitors = [Monitor(MonitorKind.HTTP, f"https://{PORTAL}:{site.https_port}/", "SO-B"),
                    Monitor(MonitorKind.HTTP, f"http://{PORTAL}:{site.http_port}/", "SO-B")]
        seen: dict[int, list[HttpFacts]] = {}
        for workers in (0, 1):
            prober = EngineProber(settings(dns, ca_file), page_workers=workers)
            try:
                facts = [await prober(m) for m in monitors]
                site.routes["/"] = site.http_routes["/"] = Route.text(body.replace("Tin tức", "Hacked by x"),
                                                                      content_type="text/html")
                facts += [await prober(m) for m in monitors]
                site.routes["/"] = site.http_routes["/"] = route
                assert prober.pages.worker.in_worker == 4 * workers
            finally:
                await prober.aclose()
            assert all(isinstance(f, HttpFacts) for f in facts)
            seen[workers] = [f for f in facts if isinstance(f, HttpFacts)]
    strip = [[(f.url, f.status, f.error, f.page) for f in seen[w]] for w in (0, 1)]
    assert strip[0] == strip[1]
    assert all(f.page is not None for f in seen[1]) and seen[1][2].page and seen[1][2].page.keyword_hits


async def test_a_killed_worker_is_replaced_and_every_page_answered(tmp_path: Path) -> None:
    worker = PageWorker(1, work=dies_once)
    marker = tmp_path / "died"
    batch = [PageJob(job.body, job.charset, f"{job.url}?marker={marker}", KEYWORDS) for job in jobs()[:4]]
    try:
        found = await asyncio.gather(*(worker.fingerprint(job) for job in batch))
        assert marker.exists() and worker.restarts == 1
        assert found == [page_fingerprint(job) for job in batch]
        assert worker.in_worker == len(batch) and worker.on_loop == 0  # all answered by the new worker
        again = await worker.fingerprint(batch[0])  # the new worker carries on
        assert again == found[0] and worker.restarts == 1
    finally:
        await worker.aclose()


async def test_a_worker_killed_from_outside_is_replaced() -> None:
    worker = PageWorker(1, work=worker_pid)
    try:
        first = await worker.fingerprint(jobs()[0])
        os.kill(int(first.title), signal.SIGKILL)
        await asyncio.sleep(0.2)
        second = await worker.fingerprint(jobs()[0])
        assert second.title != first.title and worker.restarts == 1
        assert second.text_hash == first.text_hash == page_fingerprint(jobs()[0]).text_hash
        gone = int(first.title)
        assert not psutil.pid_exists(gone) or psutil.Process(gone).status() == psutil.STATUS_ZOMBIE
    finally:
        await worker.aclose()


async def test_a_page_that_kills_every_worker_is_fingerprinted_on_the_loop() -> None:
    worker = PageWorker(1, work=always_dies)
    try:
        job = jobs()[0]
        assert await worker.fingerprint(job) == page_fingerprint(job)
        assert worker.restarts == 2 and worker.on_loop == 1 and worker.active
        for _ in range(3):  # ... and after MAX_BREAKS pools in a minute, the loop for good
            assert await worker.fingerprint(job) == page_fingerprint(job)
        assert not worker.active and worker.restarts == page_worker.MAX_BREAKS
        assert await worker.fingerprint(job) == page_fingerprint(job)
        assert worker.restarts == page_worker.MAX_BREAKS
    finally:
        await worker.aclose()


async def test_a_stalled_worker_is_replaced_within_its_timeout() -> None:
    worker = PageWorker(1, work=stalls, timeout=0.5, linger=0)
    started = time.monotonic()
    try:
        job = jobs()[1]
        assert await worker.fingerprint(job) == page_fingerprint(job)
    finally:
        await worker.aclose()
    assert worker.restarts == 2 and worker.on_loop == 1
    assert time.monotonic() - started < 15  # two timeouts and two worker starts, not 60 s of sleep


async def test_the_page_functions_own_error_reaches_the_check_as_on_the_loop() -> None:
    worker = PageWorker(1, work=raises)
    try:
        with pytest.raises(ValueError, match="cannot read"):
            await worker.fingerprint(jobs()[0])
        assert worker.restarts == 0 and worker.in_worker == 1  # not taken for a dead worker
    finally:
        await worker.aclose()


async def test_the_queue_holds_at_most_its_bound_and_callers_wait_for_a_place() -> None:
    worker = PageWorker(1, work=slow, queue_size=3, linger=0)
    most = 0
    job = jobs()[0]
    try:
        await worker.fingerprint(job)  # the worker started
        calls = [asyncio.create_task(worker.fingerprint(job)) for _ in range(40)]
        while not all(c.done() for c in calls):
            most = max(most, worker.queue.qsize())  # the rest wait for a place (back-pressure)
            await asyncio.sleep(0.005)
        assert [c.result() for c in calls] == [page_fingerprint(job)] * 40
    finally:
        await worker.aclose()
    assert most == 3


async def test_a_cancelled_check_leaves_its_page_unanswered_and_the_worker_working() -> None:
    worker = PageWorker(1, work=slow, linger=0)
    job = jobs()[0]
    try:
        calls = [asyncio.create_task(worker.fingerprint(job)) for _ in range(10)]
        await asyncio.sleep(0)
        calls[5].cancel()
        done = await asyncio.gather(*calls, return_exceptions=True)
        assert isinstance(done[5], asyncio.CancelledError)
        assert all(d == page_fingerprint(job) for i, d in enumerate(done) if i != 5)
        assert await worker.fingerprint(job) == page_fingerprint(job)
    finally:
        await worker.aclose()


async def test_shutdown_answers_what_waits_and_stops_a_stalled_worker_quickly() -> None:
    worker = PageWorker(1, work=stalls, queue_size=4, timeout=60, grace=0.5, linger=0)
    job = jobs()[2]
    calls = [asyncio.create_task(worker.fingerprint(job)) for _ in range(12)]  # in the worker, and queued
    await asyncio.sleep(1.5)  # the worker started and holds its first batch
    pids = [p.pid for p in psutil.Process().children(recursive=True)]
    started = time.monotonic()
    await worker.aclose()
    assert time.monotonic() - started < 5
    assert [await c for c in calls] == [page_fingerprint(job)] * 12  # answered on the loop
    assert worker.on_loop == 12 and worker.in_worker == 0
    await asyncio.sleep(0.2)
    alive = [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"]
    assert not [p for p in alive if "spawn_main" in " ".join(psutil.Process(p).cmdline())]
    assert await worker.fingerprint(job) == page_fingerprint(job)  # after close: on the loop
    await worker.aclose()  # idempotent


async def test_no_worker_means_the_loop_and_no_process() -> None:
    worker = PageWorker(0)
    job = jobs()[0]
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    assert await worker.fingerprint(job) == page_fingerprint(job)
    assert {p.pid for p in psutil.Process().children(recursive=True)} == before
    assert worker.on_loop == 1 and worker.stats()["workers"] == 0
    await worker.aclose()


PARENT = textwrap.dedent("""
    import asyncio, os, signal, sys
    from canhgac.watch.page_worker import PageJob, PageWorker
    sys.path.insert(0, sys.argv[1])
    from page_worker_support import worker_pid

    async def main():
        worker = PageWorker(1, work=worker_pid)
        page = await worker.fingerprint(PageJob(b"<title>x</title>", "utf-8", "http://a.test/", ()))
        print(page.title, flush=True)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        await worker.aclose()
        print("closed", flush=True)

    if __name__ == "__main__":
        asyncio.run(main())
""")


def _parent(tmp_path: Path) -> tuple[subprocess.Popen[str], int]:
    script = tmp_path / "parent.py"
    script.write_text(PARENT, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, str(script), str(Path(__file__).parent)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.isdigit():
        proc.kill()
        pytest.fail(f"the parent did not start its worker: {line} {proc.communicate(timeout=10)}")
    return proc, int(line)


def _gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.1)
    return False


def test_sigterm_to_the_parent_stops_its_worker(tmp_path: Path) -> None:
    proc, worker = _parent(tmp_path)
    assert psutil.pid_exists(worker)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "closed" in out, err
    assert _gone(worker, 5)


def test_a_worker_leaves_when_its_parent_is_killed(tmp_path: Path) -> None:
    proc, worker = _parent(tmp_path)
    proc.kill()
    proc.communicate(timeout=30)
    assert _gone(worker, page_worker.PARENT_POLL * 5)


def test_ctrl_c_reaches_the_parent_not_the_worker(tmp_path: Path) -> None:
    proc, worker = _parent(tmp_path)
    try:
        os.kill(worker, signal.SIGINT)  # as a terminal's Ctrl-C reaches the whole process group
        time.sleep(0.5)
        assert psutil.pid_exists(worker) and psutil.Process(worker).status() != psutil.STATUS_ZOMBIE
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert proc.returncode == 0


async def test_shutdown_answers_a_page_taken_for_a_batch_not_yet_sent() -> None:
    worker = PageWorker(1, linger=30)  # the feeder holds the page while it waits for more
    job = jobs()[0]
    call = asyncio.create_task(worker.fingerprint(job))
    await asyncio.sleep(0.1)
    assert worker.queue.empty() and not call.done()
    await asyncio.wait_for(worker.aclose(), 10)
    assert await asyncio.wait_for(call, 1) == page_fingerprint(job) and worker.on_loop == 1
