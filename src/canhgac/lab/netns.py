"""Move this process into a private network namespace before the lab binds anything.

Every ``canhgac demo`` and ``canhgac lab up`` enters a network namespace of its own, root
included: the lab's servers then bind 127.x.y.z:25/53/443 in a loopback nobody else sees, so any
number of demos, labs and test runs share a machine, and nothing can leave it (the namespace
has only a loopback interface, which starts down and is brought up here). Root needs only
``unshare(CLONE_NEWNET)``; another user also makes a user namespace in which it is root (what
``unshare --user --map-root-user --net`` does). The process stays the same (no re-exec): the
calls go through libc with :mod:`ctypes` (``os.unshare`` arrives in Python 3.12 only). Where the
kernel refuses (namespaces disabled, a container's seccomp policy), the lab runs in the current
namespace and says so.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import socket
import struct
import threading
from dataclasses import dataclass

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
_SIOCGIFFLAGS = 0x8913
_SIOCSIFFLAGS = 0x8914
_IFF_UP = 0x1


@dataclass(frozen=True)
class Namespace:
    """Where the lab runs: a private namespace (and how to join it) or the current one (and why)."""

    private: bool
    reason: str = ""  # why the namespace could not be made, when it was not
    user_namespace: bool = False  # True when a user namespace was needed (not root)

    def join_command(self, pid: int) -> str:
        """The command another shell runs to scan from inside this namespace."""
        if self.user_namespace:
            return f"nsenter --target {pid} --user --net --preserve-credentials --"
        return f"nsenter --target {pid} --net --"


def bring_loopback_up() -> None:
    """Set the ``lo`` interface up (it starts down in a new network namespace)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock, _SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, _SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | _IFF_UP))


def enter_private_netns() -> Namespace:
    """Move this process into a new network namespace with loopback up; never raises.

    Call it before any thread starts: a user namespace can only be entered by a single-threaded
    process, and a network namespace entered later would hold the calling thread only.
    """
    if threading.active_count() > 1:
        return Namespace(private=False, reason="the process already runs several threads")
    uid, gid = os.geteuid(), os.getegid()
    flags = CLONE_NEWNET if uid == 0 else CLONE_NEWUSER | CLONE_NEWNET
    try:
        _unshare(flags)
        if uid != 0:
            _map_to_root(uid, gid)
        bring_loopback_up()
    except OSError as exc:
        return Namespace(private=False, reason=f"unshare: {exc.strerror or exc}")
    return Namespace(private=True, user_namespace=uid != 0)


def _unshare(flags: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(ctypes.c_int(flags)) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


def _map_to_root(uid: int, gid: int) -> None:
    """Be root in the new user namespace, as ``unshare --map-root-user`` does."""
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"0 {uid} 1")
    _write("/proc/self/gid_map", f"0 {gid} 1")


def _write(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="ascii") as handle:
            handle.write(text)
    except FileNotFoundError:
        if not path.endswith("setgroups"):  # kernels before 3.19 have no setgroups file
            raise


def is_address_in_use(exc: OSError) -> bool:
    return exc.errno == errno.EADDRINUSE
