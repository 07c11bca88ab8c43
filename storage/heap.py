"""The C heap SQLite's statements allocate from, kept between statements (glibc only).

A routing statement allocates about 4 MB while it runs (a page cache of 20 pages for each of its
materialized CTEs and walks) and frees it at its end. glibc gives the top of its heap back to the
system once more than 128 KB of it are free (and serves blocks over 128 KB with mmap), so each
statement grew the heap again and the kernel zeroed every page afresh: at 1,000 members three
quarters of a routing decision went to page faults (p50 1.1 ms, 0.3 ms without them), and larger
communities paid it whenever their heap happened to end on the freed blocks. Keeping up to
TRIM_THRESHOLD of free heap and serving blocks under MMAP_THRESHOLD from it costs a process at most
those few megabytes, kept for its next statement."""
from __future__ import annotations

import ctypes
import ctypes.util
import sys

# mallopt's parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
TRIM_THRESHOLD = 32 * 1024 * 1024
MMAP_THRESHOLD = 4 * 1024 * 1024

_done = False


def keep_heap() -> bool:
    """Tune glibc's malloc once per process (later calls do nothing); False where there is no glibc
    (macOS, musl's mallopt does nothing): the heap then behaves as before, only slower."""
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
        if not hasattr(libc, "gnu_get_libc_version"):
            return False
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    _done = bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)) and bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    return _done
