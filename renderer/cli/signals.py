"""SIGTERM handled like Ctrl-C (SIGINT): both raise KeyboardInterrupt in the main thread.

So a terminated command cleans up as an interrupted one does: temporary files are
removed, an optimisation keeps its finished steps, and the exit status is 128 plus the
signal's number (130 for SIGINT, 143 for SIGTERM), as a shell reports a killed program.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

_received = signal.SIGINT


def _raise_interrupt(signum: int, frame) -> None:
    global _received
    _received = signum
    raise KeyboardInterrupt(signal.Signals(signum).name)


@contextlib.contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """Within the block, SIGTERM raises KeyboardInterrupt; the previous handler is
    restored afterwards. Outside the main thread (where Python cannot handle signals)
    nothing changes."""
    global _received
    _received = signal.SIGINT
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def interrupted_status() -> int:
    """Exit status after an interruption: 128 + the number of the signal received."""
    return 128 + int(_received)
