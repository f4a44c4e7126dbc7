"""A real Debian nginx for the tests: started by the test itself (never the system service), in the
foreground, on a loopback address, with the configuration the test writes.

Not a test module of its own (no tests here). CI installs nginx with ``apt-get install -y
nginx-light``; without an nginx binary, :data:`requires_nginx` skips the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).is_file()), None
)
requires_nginx = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (Debian: apt-get install -y nginx-light)"
)
# The http block's paths an unprivileged nginx must have (the defaults are under /var/lib/nginx).
TEMP_PATHS = ("client_body_temp_path {prefix}/body; proxy_temp_path {prefix}/proxy; fastcgi_temp_path "
              "{prefix}/fastcgi; uwsgi_temp_path {prefix}/uwsgi; scgi_temp_path {prefix}/scgi;")


def free_port(address: str) -> int:
    with socket.socket() as sock:
        sock.bind((address, 0))
        port: int = sock.getsockname()[1]
        return port


async def _listening(address: str, port: int, process: asyncio.subprocess.Process) -> None:
    for _ in range(100):
        if process.returncode is not None:
            errors = await process.stderr.read() if process.stderr else b""
            raise RuntimeError(f"nginx exited: {errors.decode(errors='replace')}")
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection(address, port)
            writer.close()
            return
        await asyncio.sleep(0.05)
    raise RuntimeError("nginx did not start listening")


@contextlib.asynccontextmanager
async def running_nginx(prefix: Path, conf: str, address: str, port: int) -> AsyncIterator[None]:
    """nginx with ``conf`` (written to ``prefix/nginx.conf``) until the block ends; ready once
    ``address:port`` accepts connections."""
    path = prefix / "nginx.conf"
    path.write_text(conf)
    assert NGINX is not None
    process = await asyncio.create_subprocess_exec(
        NGINX, "-c", str(path), "-p", str(prefix), "-e", str(prefix / "error.log"),
        "-g", f"daemon off; pid {prefix}/nginx.pid;",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    try:
        await _listening(address, port, process)
        yield
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        async with asyncio.timeout(10):
            await process.wait()
