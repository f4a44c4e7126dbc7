"""Child processes of the lab die with it, however the lab ends.

The lab stops its children in order on Ctrl-C and SIGTERM; :func:`die_with_parent`, run in the
child between fork and exec (``preexec_fn``), covers the rest (SIGKILL, a crash): the kernel
sends the child SIGTERM when the thread that started it ends (``PR_SET_PDEATHSIG``, through
:mod:`ctypes`, as the standard library has no wrapper). The lab's event-loop thread starts every
child and outlives it, so "that thread ends" means "the lab ends".
"""

from __future__ import annotations

import ctypes
import os
import signal

PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True)  # loaded here, not in the forked child


def die_with_parent(parent: int) -> None:
    """In a forked child of process ``parent``: SIGTERM when the parent thread ends; exit if it has."""
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
