"""``canhgac migrate``: create or upgrade the store's tables, and nothing else (docs/deploy.md).

Every command opens and migrates the store first; a deployment runs this one alone, before its
services start (the ``canhgac-migrate`` unit), so that processes starting together never migrate
at once and an upgrade's new tables exist before the first of them needs one.
"""

from __future__ import annotations

import typer

from canhgac.cli.common import console, open_store, state, store_label
from canhgac.i18n import N_
from canhgac.i18n import gettext as _

HELP = N_("Create or upgrade the store's tables (every command does it first; run it alone before "
          "starting the services after an upgrade).")


def migrate(ctx: typer.Context) -> None:
    """Create or upgrade the store's tables."""
    st = state(ctx)
    open_store(st, writable=True, create=True)
    console.print(_("The store is up to date: {store}").format(store=store_label(st, st.workspace)),
                  soft_wrap=True, markup=False, highlight=False)
