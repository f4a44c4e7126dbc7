"""Check modules: each holds a few small, pure check functions for one family."""
