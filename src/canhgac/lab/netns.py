"""Run the lab in a private network namespace when the process may not bind ports 25, 53, 443.

``unshare --user --map-root-user --net`` gives an unprivileged user a network of its own
where it is root: standard ports bind, and nothing can leave the machine (the namespace has
only a loopback interface, which starts down and is brought up here).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import struct
import subprocess
import sys

MARKER = "CANHGAC_IN_PRIVATE_NETNS"
_SIOCGIFFLAGS = 0x8913
_SIOCSIFFLAGS = 0x8914
_IFF_UP = 0x1


def bring_loopback_up() -> None:
    """Set the ``lo`` interface up (it starts down in a new network namespace)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock, _SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, _SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | _IFF_UP))


def needs_private_netns() -> bool:
    """True when not root and not already inside the namespace this module made."""
    return os.geteuid() != 0 and os.environ.get(MARKER) != "1"


def reexec_in_private_netns() -> bool:
    """Re-run this command inside a private user+network namespace; False if unavailable.

    On success it does not return: the process is replaced.
    """
    unshare = shutil.which("unshare")
    if unshare is None:
        return False
    probe = subprocess.run(  # noqa: S603 - fixed program; user namespaces may be disabled
        [unshare, "--user", "--map-root-user", "--net", "--", "true"], capture_output=True, check=False
    )
    if probe.returncode != 0:
        return False
    code = (
        "import sys; from canhgac.lab.netns import bring_loopback_up; bring_loopback_up(); "
        "from canhgac.cli.main import run; sys.argv = sys.argv[1:]; run()"
    )
    env = dict(os.environ, **{MARKER: "1"})
    args = [unshare, "--user", "--map-root-user", "--net", "--", sys.executable, "-c", code, *sys.argv]
    try:
        os.execve(unshare, args, env)  # noqa: S606 - fixed program, our own arguments
    except OSError:
        return False
    return True  # pragma: no cover - execve does not return
