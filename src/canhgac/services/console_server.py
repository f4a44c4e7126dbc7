"""``canhgac serve``: the web console in uvicorn (ASGI), never Django's development server.

The console's settings are read from the environment when Django loads them, so this sets the
allowed host names and the TLS flag first, then opens the store (migrating it), then serves
Django's ASGI application, whose scan worker (``scan_worker``) runs the scans launched from the
pages in this process; launches a dead console left open are closed first. Static files are
served by WhiteNoise inside the application, so one process is the whole console
(docs/console.md: behind nginx for TLS). With ``workers`` above one, uvicorn's supervisor
spawns that many processes that answer requests (``canhgac.web.asgi``), sharing the listening
socket, and this process only supervises them and runs the scans they queue.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from canhgac.i18n import gettext as _

if TYPE_CHECKING:
    from canhgac.services.console_watch import InProcessWatch

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_WORKERS = 64
WORKER_APPLICATION = "canhgac.web.asgi:application"  # imported by each spawned serving process


class ServeRefusedError(ValueError):
    """The console would be served in a way that exposes it; the message says what to change."""


class ServeUnavailableError(OSError):
    """The address cannot be listened on (taken, not this machine's); the message says so."""


@dataclass(frozen=True)
class ServeOptions:
    workspace: Path
    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    allowed_hosts: tuple[str, ...] = ()  # host names the console answers to (default: loopback)
    behind_tls: bool = False  # a TLS proxy on this machine fronts it (docs/console.md)
    proxy_addresses: tuple[str, ...] = field(default=("127.0.0.1",))
    security_contact: str = ""  # security.txt's Contact (services/security_txt.py); "": no file
    config_file: Path | None = None  # the settings file scans launched here read (--config)
    workers: int = 1  # processes answering requests (above one: this one supervises them)
    watch: bool = True  # run the holiday watch in this process (services/console_watch.py)
    watch_interval: float = 60.0  # seconds between two checks of a monitor the console has not edited


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_options(options: ServeOptions) -> None:
    """Refuse plain HTTP on a reachable address: passwords and session cookies would cross the
    network in clear. Behind the TLS proxy, or on loopback, the console may start."""
    if not is_loopback(options.host) and not options.behind_tls:
        raise ServeRefusedError(_(
            "serving on {host} would send passwords over plain HTTP: bind 127.0.0.1 and put the "
            "TLS proxy of docs/console.md in front (--behind-tls)").format(host=options.host))
    if not 0 < options.port < 65536:
        raise ServeRefusedError(_("--port must be between 1 and 65535"))
    if not 1 <= options.workers <= MAX_WORKERS:
        raise ServeRefusedError(_("--workers must be between 1 and {most}").format(most=MAX_WORKERS))
    if options.security_contact:
        from canhgac.services.security_txt import SecurityContactError, checked_contact

        try:
            checked_contact(options.security_contact)
        except SecurityContactError as exc:
            raise ServeRefusedError(str(exc)) from None


def configure_environment(options: ServeOptions) -> None:
    """What the console's settings read when Django loads them (before ``setup_django``)."""
    if options.allowed_hosts:
        os.environ["CANHGAC_ALLOWED_HOSTS"] = ",".join(options.allowed_hosts)
    os.environ["CANHGAC_CONSOLE_TLS"] = "1" if options.behind_tls else ""
    os.environ["CANHGAC_SECURITY_CONTACT"] = options.security_contact.strip()
    if options.config_file is not None:  # scans launched from the console read it (console_scan)
        os.environ["CANHGAC_CONFIG"] = str(options.config_file.resolve())


def listening_socket(host: str, port: int) -> socket.socket:
    """The console's socket, bound and listening before anything is announced, so a taken port
    is one clear error rather than a server that says it started and then exits."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ServeUnavailableError(_("cannot listen on {host} port {port}: {error}; choose another --port "
                                      "or stop what uses it").format(
            host=host, port=port, error=exc.strerror or exc)) from None
    sock.set_inheritable(True)
    return sock


def quiet_static_files_warning() -> None:
    """WhiteNoise hands Django a file iterator; under ASGI Django reads it in a thread and warns
    on every static file. The files are small and few: the warning is noise, not advice."""
    warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")


def has_administrator() -> bool:
    from canhgac.console.store.account_models import ConsoleAccount
    from canhgac.console.store.roles import Role

    return ConsoleAccount.objects.filter(role=Role.CSIRT_ADMIN.value, user__is_active=True).exists()


def serve(options: ServeOptions, on_ready: Callable[[str, bool], None],
          open_store: Callable[[], object], on_watch: Callable[[str], None] = lambda line: None) -> None:
    """Open the store (``open_store``, after the environment is set), start the watch (unless
    ``options.watch`` is off; ``on_watch`` hears whether it started, in one line), then serve
    until SIGINT or SIGTERM; ``on_ready(url, has_admin)`` is called before the first request is
    accepted. The watch is stopped after the last request."""
    import uvicorn
    from django.core.asgi import get_asgi_application

    quiet_static_files_warning()
    check_options(options)
    sock = listening_socket(options.host, options.port)
    configure_environment(options)
    open_store()
    from canhgac.services import scan_worker
    from canhgac.services.scan_launches import close_abandoned_launches

    close_abandoned_launches()  # launches a dead console left queued or running: interrupted
    scan_worker.enable()  # this process runs the scans launched from the pages and API
    watch = _start_watch(options, on_watch) if options.watch else None
    host = f"[{options.host}]" if ":" in options.host else options.host
    settings: dict[str, Any] = {
        "host": options.host, "port": options.port, "lifespan": "off",
        "proxy_headers": options.behind_tls, "forwarded_allow_ips": list(options.proxy_addresses),
        "server_header": False,  # no "Server: uvicorn": the console discloses no software version
        "log_level": "info", "access_log": True,
    }
    try:
        if options.workers == 1:
            application = get_asgi_application()
            on_ready(f"http://{host}:{options.port}/", has_administrator())
            uvicorn.Server(uvicorn.Config(application, **settings)).run(sockets=[sock])
        else:  # this process supervises the serving ones, and runs the scans and the watch
            from uvicorn.supervisors import Multiprocess

            on_ready(f"http://{host}:{options.port}/", has_administrator())
            config = uvicorn.Config(WORKER_APPLICATION, workers=options.workers, **settings)
            Multiprocess(config, sockets=[sock]).run()
    finally:
        if watch is not None:
            watch.stop()
            on_watch(_("Watch stopped."))


def _start_watch(options: ServeOptions, on_watch: Callable[[str], None]) -> InProcessWatch | None:
    from canhgac.services.console_watch import WatchNotStartedError, start_watch

    def ready(count: int) -> None:
        on_watch(_("Watching {n} monitors in this process (--no-watch turns it off).").format(n=count))

    try:
        return start_watch(options.watch_interval, ready, on_watch)
    except WatchNotStartedError as exc:
        on_watch(_("The watch is not running: {reason}").format(reason=exc))
        return None
