"""New pages' fingerprints off the event loop: a bounded queue feeding a worker process.

A page whose bytes changed since its last check (every page at a watch's start) is decoded,
parsed and fingerprinted (:func:`.fingerprint.fingerprint`: ``html.parser``, the MinHash sketch,
defacement matching; about 1.5 ms of CPU for a 5 KB portal page). On the event loop that CPU
delays every check due meanwhile: 20,000 first visits in a minute need more than the loop's one
core. :class:`PageWorker` hands it to a process of its own (started with ``spawn``: nothing of
the parent's threads, sockets or store connection is inherited), so the loop only probes,
judges and schedules:

- **same answer**: the worker runs the same pure function (:func:`page_fingerprint`) on the same
  bytes, so a fingerprint is the one the loop would have computed (tests compare them);
- **bounded**: jobs wait in an ``asyncio.Queue`` of ``queue_size``; a check whose page finds it
  full waits for a place (back-pressure: the check keeps its probe slot, so ``--concurrency``
  bounds the pages held as it bounds the probes); each worker is given ``PER_WORKER`` batches
  at once (the jobs queued when a batch is sent, at most ``BATCH``: one hand-over, about 0.3 ms
  of the loop's CPU, serves many pages when they come fast), the next ready when the last
  returns;
- **a worker that dies** (killed, out of memory) or stalls (``timeout`` a page) is replaced: the
  pool is thrown away (its processes killed), a new one started, the batch sent once more; a
  batch that fails twice is fingerprinted on the loop, so a check's result is never lost. Pools that
  break ``MAX_BREAKS`` times within ``BREAK_WINDOW`` seconds (a worker that cannot start) leave
  the fingerprints to the loop for good, logged once;
- **shutdown** (:meth:`PageWorker.aclose`): jobs queued or in flight are fingerprinted on the
  loop for whoever still waits; the workers get SIGTERM, then SIGKILL after ``grace``, never an
  unbounded wait. A worker ignores SIGINT (a terminal's Ctrl-C reaches the whole process group:
  the parent decides when its worker stops) and leaves when its parent is gone.

``workers=0`` fingerprints on the loop (tests, the library's default; ``watch run`` has 1).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from canhgac.engine.facts.web import decode
from canhgac.watch.facts import PageFingerprint
from canhgac.watch.fingerprint import fingerprint

log = logging.getLogger(__name__)
PER_WORKER = 2  # batches in a worker's hands at once
BATCH = 32  # jobs sent in one batch at most (those queued when a batch is sent)
LINGER = 0.01  # seconds a batch waits for more jobs once it has one
QUEUE_SIZE = 256  # jobs waiting for a worker
TIMEOUT = 10.0  # seconds a page may take in a worker (a batch: as many times) before it is replaced
GRACE = 2.0  # seconds between SIGTERM and SIGKILL at shutdown
MAX_BREAKS = 5
BREAK_WINDOW = 60.0
PARENT_POLL = 1.0


@dataclass(frozen=True, slots=True)
class PageJob:
    """A page to fingerprint: its bytes as received, their charset, the final URL, the keywords."""

    body: bytes
    charset: str
    url: str
    keywords: tuple[str, ...]


def page_fingerprint(job: PageJob) -> PageFingerprint:
    """The page's fingerprint: what the loop and the worker both run."""
    return fingerprint(job.body, decode(job.body, job.charset), job.url, job.keywords)


Work = Callable[[PageJob], PageFingerprint]
Waiter = tuple[PageJob, "asyncio.Future[PageFingerprint]"]


def work_many(work: Work, jobs: list[PageJob]) -> list[PageFingerprint | Exception]:
    """A batch of jobs (in the worker, or on the loop when none can): each one's fingerprint, or
    the exception it raised."""
    answers: list[PageFingerprint | Exception] = []
    for job in jobs:
        try:
            answers.append(work(job))
        except Exception as exc:
            answers.append(exc)
    return answers


def _worker_init(parent: int) -> None:
    """In the worker: Ctrl-C is the parent's to handle; leave when the parent is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_leave_with, args=(parent,), daemon=True, name="canhgac-page-parent").start()


def _leave_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL)
    os._exit(0)


def _processes(pool: ProcessPoolExecutor) -> list[multiprocessing.process.BaseProcess]:
    found: dict[int, multiprocessing.process.BaseProcess] | None = getattr(pool, "_processes", None)
    return list((found or {}).values())


def _kill(pool: ProcessPoolExecutor) -> None:
    """Throw a pool away at once (broken or stalled): its processes killed, nothing waited for."""
    processes = _processes(pool)
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.kill()


def _stop(pool: ProcessPoolExecutor, grace: float) -> None:
    """Stop a pool at shutdown (blocking: run in a thread): SIGTERM, SIGKILL after ``grace``."""
    processes = _processes(pool)
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.terminate()
    deadline = time.monotonic() + grace
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()
                proc.join(1.0)


class PageWorker:
    """``await worker.fingerprint(job)``: the page's fingerprint, computed in a worker process
    (``workers`` of them; 0: on the loop). Close with :meth:`aclose`."""

    def __init__(
        self,
        workers: int = 1,
        *,
        queue_size: int = QUEUE_SIZE,
        timeout: float = TIMEOUT,
        grace: float = GRACE,
        linger: float = LINGER,
        work: Work = page_fingerprint,
    ) -> None:
        self.workers = max(0, workers)
        self.linger = linger
        self.timeout = timeout
        self.grace = grace
        self.work = work  # a module-level function (it travels to the worker by name)
        self.in_worker = 0  # jobs the worker answered
        self.on_loop = 0  # jobs fingerprinted on the loop (no worker, or it failed them twice)
        self.restarts = 0  # pools thrown away (a worker died or stalled)
        self.queue: asyncio.Queue[Waiter] = asyncio.Queue(maxsize=max(1, queue_size))
        self._pool: ProcessPoolExecutor | None = None
        self._feeders: list[asyncio.Task[None]] = []
        self._in_flight: dict[asyncio.Future[PageFingerprint], PageJob] = {}
        self._breaks: deque[float] = deque(maxlen=MAX_BREAKS)
        self._gave_up = False
        self._closed = False

    @property
    def active(self) -> bool:
        """Whether jobs go to a worker (not: none configured, given up, or closed)."""
        return self.workers > 0 and not self._gave_up and not self._closed

    async def fingerprint(self, job: PageJob) -> PageFingerprint:
        if not self.active:
            return self._on_loop(job)
        self._start_feeders()
        waiter: asyncio.Future[PageFingerprint] = asyncio.get_running_loop().create_future()
        await self.queue.put((job, waiter))  # back-pressure: waits while the queue is full
        if self._closed and not waiter.done():  # closed while this job waited for a place
            return self._on_loop(job)
        return await waiter

    async def aclose(self) -> None:
        """Stop the workers; jobs queued or in flight are answered on the loop. Idempotent."""
        if self._closed:
            return
        self._closed = True
        left = [(job, waiter) for waiter, job in self._in_flight.items()]
        for task in self._feeders:
            task.cancel()
        await asyncio.gather(*self._feeders, return_exceptions=True)
        self._feeders.clear()
        while not self.queue.empty():
            left.append(self.queue.get_nowait())
        for job, waiter in left:
            self._answer(waiter, job)
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(_stop, pool, self.grace)

    # --- inside ---------------------------------------------------------------------------
    def _on_loop(self, job: PageJob) -> PageFingerprint:
        self.on_loop += 1
        return self.work(job)

    def _answer(self, waiter: asyncio.Future[PageFingerprint], job: PageJob) -> None:
        if waiter.done():
            return
        try:
            waiter.set_result(self._on_loop(job))
        except Exception as exc:  # the page function's own failure: the check says so
            waiter.set_exception(exc)

    def _start_feeders(self) -> None:
        if not self._feeders:
            self._feeders = [asyncio.create_task(self._feed()) for _ in range(self.workers * PER_WORKER)]

    async def _feed(self) -> None:
        while True:
            batch = [self._take(await self.queue.get())]  # in flight from here: aclose answers it
            try:
                if self.linger > 0 and self.queue.qsize() < BATCH - 1:
                    await asyncio.sleep(self.linger)  # a few more pages: one hand-over for them all
                while len(batch) < BATCH and not self.queue.empty():
                    batch.append(self._take(self.queue.get_nowait()))
                wanted = [(job, waiter) for job, waiter in batch if not waiter.done()]  # done: cancelled
                answers = await self._run([job for job, _ in wanted]) if wanted else []
            finally:
                for _, waiter in batch:
                    self._in_flight.pop(waiter, None)
            for (_, waiter), answer in zip(wanted, answers, strict=True):
                if waiter.done():
                    continue
                if isinstance(answer, PageFingerprint):
                    waiter.set_result(answer)
                else:  # the page function failed in the worker, as it would have here
                    waiter.set_exception(answer)

    def _take(self, waiting: Waiter) -> Waiter:
        job, waiter = waiting
        self._in_flight[waiter] = job
        return waiting

    async def _run(self, jobs: list[PageJob]) -> list[PageFingerprint | Exception]:
        for _ in range(2):
            pool = self._ensure_pool()
            if pool is None:
                break
            try:
                running = asyncio.wrap_future(pool.submit(work_many, self.work, jobs))
            except (BrokenProcessPool, RuntimeError, OSError) as exc:  # broken, shut down, no fork
                self._discard(pool, exc)
                continue
            try:
                async with asyncio.timeout(self.timeout * len(jobs)):
                    answers = await running
            except (BrokenProcessPool, TimeoutError) as exc:
                self._discard(pool, exc)
                continue
            except Exception as exc:  # the hand-over itself failed (say, a job that cannot be pickled)
                log.warning("watch: a batch of pages could not go to the page worker (%s: %s)",
                            type(exc).__name__, exc)
                break
            self.in_worker += len(jobs)
            return answers
        self.on_loop += len(jobs)
        return work_many(self.work, jobs)

    def _ensure_pool(self) -> ProcessPoolExecutor | None:
        if not self.active:
            return None
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_init,
                initargs=(os.getpid(),),
            )
        return self._pool

    def _discard(self, pool: ProcessPoolExecutor, why: BaseException) -> None:
        if self._pool is not pool:
            return  # another job has already replaced it
        self._pool = None
        self.restarts += 1
        _kill(pool)
        now = time.monotonic()
        self._breaks.append(now)
        reason = f"{type(why).__name__}: {why}".rstrip(": ")
        if len(self._breaks) == MAX_BREAKS and now - self._breaks[0] < BREAK_WINDOW:
            self._gave_up = True
            log.error("watch: the page worker failed %d times in %g s (%s): fingerprinting on the loop",
                      MAX_BREAKS, BREAK_WINDOW, reason)
        else:
            log.warning("watch: the page worker stopped (%s): starting another", reason)

    def stats(self) -> dict[str, Any]:
        return {"workers": self.workers, "in_worker": self.in_worker, "on_loop": self.on_loop,
                "restarts": self.restarts, "gave_up": self._gave_up}
