"""Page functions for the page worker's tests: module-level (they travel to the worker by name),
each misbehaving only inside a worker process, never in the test's own."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from pathlib import Path

from canhgac.watch.facts import PageFingerprint
from canhgac.watch.page_worker import PageJob, page_fingerprint


def in_worker() -> bool:
    return multiprocessing.parent_process() is not None


def dies_once(job: PageJob) -> PageFingerprint:
    """Kills its worker the first time (a marker file beside the job's URL path says it did)."""
    marker = Path(job.url.split("marker=", 1)[1])
    if in_worker() and not marker.exists():
        marker.write_text(str(os.getpid()), encoding="utf-8")
        os.kill(os.getpid(), signal.SIGKILL)
    return page_fingerprint(job)


def always_dies(job: PageJob) -> PageFingerprint:
    if in_worker():
        os._exit(3)
    return page_fingerprint(job)


def stalls(job: PageJob) -> PageFingerprint:
    if in_worker():
        time.sleep(60)
    return page_fingerprint(job)


def slow(job: PageJob) -> PageFingerprint:
    time.sleep(0.05)
    return page_fingerprint(job)


def raises(job: PageJob) -> PageFingerprint:
    raise ValueError(f"cannot read {job.url}")


def worker_pid(job: PageJob) -> PageFingerprint:
    """The fingerprint with the worker's pid as its title (to find the worker)."""
    page = page_fingerprint(job)
    return PageFingerprint(page.text_hash, page.size, page.shingles, page.links, str(os.getpid()),
                           page.keyword_hits)
