"""The console's ASGI application for the serving processes of ``canhgac serve --workers N``.

Each is a new interpreter (uvicorn spawns it and imports this module by name): Django is set up
from the environment the supervising ``serve`` prepared (workspace, database, allowed hosts,
TLS flag), with the store it already opened and migrated. These processes only answer requests;
the supervising process runs the scans they queue (``services.scan_worker``).
"""

from __future__ import annotations

from canhgac.services.console_server import quiet_static_files_warning
from canhgac.services.store import connect_store

quiet_static_files_warning()
connect_store()

from django.core.asgi import get_asgi_application  # noqa: E402

application = get_asgi_application()
