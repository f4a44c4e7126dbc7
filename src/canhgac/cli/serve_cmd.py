"""``canhgac serve``: the web console (uvicorn; docs/console.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from canhgac.cli.common import ExitCode, console, err_console, fail, open_store, state
from canhgac.cli.config_file import console_setting
from canhgac.i18n import N_
from canhgac.i18n import gettext as _
from canhgac.services.console_server import (
    ServeOptions,
    ServeRefusedError,
    ServeUnavailableError,
    check_options,
    serve,
)

HELP = N_("Serve the web console (log in with a user from `canhgac users add`).")


def serve_command(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help=N_("Address to listen on (loopback unless --behind-tls)"))] = "127.0.0.1",
    port: Annotated[int, typer.Option(help=N_("Port to listen on"))] = 8000,
    allowed_host: Annotated[list[str] | None, typer.Option("--allowed-host", help=N_("A host name the console answers to, e.g. the TLS proxy's name (repeatable; default: the loopback names). Env: CANHGAC_ALLOWED_HOSTS"))] = None,
    behind_tls: Annotated[bool, typer.Option("--behind-tls", help=N_("A TLS proxy on this machine fronts the console: Secure cookies, HSTS, its X-Forwarded-For/-Proto trusted"))] = False,
    workers: Annotated[int, typer.Option("--workers", help=N_("Processes answering requests (about one per core); scans launched from the console run in one process whatever this is"))] = 1,
    watch: Annotated[bool, typer.Option("--watch/--no-watch", envvar="CANHGAC_WATCH", help=N_("Run the holiday watch in this process on the store's inventory, delivering its alerts through the settings file's [watch] channels (--no-watch: run `canhgac watch run` apart, or no watch). Env: CANHGAC_WATCH=0"))] = True,
    watch_interval: Annotated[float, typer.Option(min=5, max=86400, help=N_("Seconds between two checks of a monitor (the watch pages can set each monitor's own)"))] = 60.0,
    security_contact: Annotated[str | None, typer.Option("--security-contact", envvar="CANHGAC_SECURITY_CONTACT", help=N_("Contact of the console's /.well-known/security.txt, a mailto: address or an https: URL (default: security-contact in [console] of canhgac.toml; none: no file). Env: CANHGAC_SECURITY_CONTACT"))] = None,
) -> None:
    """Serve the web console (log in with a user from `canhgac users add`)."""
    st = state(ctx)
    hosts = tuple(dict.fromkeys(h.strip() for h in allowed_host or () if h.strip()))
    contact = security_contact if security_contact else console_setting(st, "security-contact")
    options = ServeOptions(workspace=st.workspace, database_url=st.database_url, host=host, port=port,
                           allowed_hosts=hosts, behind_tls=behind_tls, security_contact=contact or "",
                           config_file=st.config_file, workers=workers, watch=watch,
                           watch_interval=watch_interval)
    try:
        check_options(options)
    except ServeRefusedError as exc:
        raise fail(str(exc)) from None

    def ready(url: str, has_admin: bool) -> None:
        console.print(_("canhgac console: {url} (Ctrl-C to stop)").format(url=url), soft_wrap=True)
        if not has_admin:
            err_console.print(_("No administrator yet: create one with `canhgac users add NAME --role "
                                "csirt-admin`."), soft_wrap=True)

    def watch_line(line: str) -> None:
        err_console.print(line, soft_wrap=True)

    try:
        serve(options, ready, lambda: open_store(st, writable=True), watch_line)
    except ServeUnavailableError as exc:
        raise fail(str(exc), ExitCode.UNAVAILABLE) from None
