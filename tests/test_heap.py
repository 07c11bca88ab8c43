"""storage/heap.py: glibc keeps the memory SQLite's statements free for the next statement."""
from __future__ import annotations

import ctypes
import ctypes.util
import sys

import pytest

from storage import heap


def _glibc() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        return hasattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), "gnu_get_libc_version")
    except OSError:
        return False


@pytest.mark.skipif(not _glibc(), reason="glibc's mallopt only")
def test_glibc_is_told_to_keep_the_heap() -> None:
    assert heap.keep_heap() is True
    assert heap.keep_heap() is True  # once per process, later calls change nothing
