"""``python -m canhgac.sweep``: the sweep on a PC with only its own dependencies."""

import sys

from canhgac.sweep.cli import main

if __name__ == "__main__":
    sys.exit(main())
