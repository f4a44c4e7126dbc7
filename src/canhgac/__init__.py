"""canhgac: security posture scanning and holiday watch for a province's state agencies."""

__version__ = "0.1.0"
