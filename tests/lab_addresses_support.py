"""The mark of test files that start the demo province's lab in the machine's own network
namespace: its servers bind the province's fixed addresses (127.25.1.1:25, 127.53.0.1:53...), so
two such files at once would take each other's. Under pytest-xdist (``scripts/dev.py test``)
they share one worker and run one after another (``tests/conftest.py``).

Not a test module: imported by name (pyproject's pytest ``pythonpath`` has ``tests``).
"""

from __future__ import annotations

import pytest

GROUP = "lab-fixed-addresses"
ONE_AT_A_TIME = pytest.mark.xdist_group(GROUP)
