"""Transports: the console here; Discord lives in `cogs/`; Signal later."""
