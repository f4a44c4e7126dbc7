"""``python -m canhgac``: the same command as ``canhgac``."""

from canhgac.cli.main import run

run()
