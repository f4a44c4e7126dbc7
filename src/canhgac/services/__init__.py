"""Application services: what the CLI and the console call (inventory → engine → store → reports)."""
