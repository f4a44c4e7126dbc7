"""Safe YAML reading through libyaml when this PyYAML has it, the pure-Python parser otherwise.

The C parser builds the same nodes (with line and column marks) and raises the same errors, and
is about ten times faster: the catalog alone is some thirty files read at every start.
"""

from __future__ import annotations

from typing import Any

import yaml

SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """Like ``yaml.safe_load``: plain data only, never arbitrary objects."""
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - SafeLoader (C or Python) only
