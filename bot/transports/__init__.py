"""Transports: the console here, Signal here (signal.py and its signal_* modules, over signal-cli's
JSON-RPC daemon); Discord lives in `cogs/`."""
