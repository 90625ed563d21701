"""A one-line progress bar on stderr for long runs (plain lines when not a terminal)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """`update(step, loss)` redraws `label |#####.....| 57/150 loss 1.2e-03 3.1s`
    (`update(step)` leaves the loss out)."""

    def __init__(
        self, total: int, label: str, *, stream: TextIO | None = None, width: int = 24
    ):
        self.total = max(total, 1)
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.start = time.perf_counter()
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.last_decile = -1

    def update(self, step: int, loss: float | None = None) -> None:
        done = step + 1
        filled = int(self.width * done / self.total)
        line = (
            f"{self.label} |{'#' * filled}{'.' * (self.width - filled)}| {done}/{self.total} "
            + ("" if loss is None else f"loss {loss:.3e} ")
            + f"{time.perf_counter() - self.start:.1f}s"
        )
        if self.tty:
            self.stream.write("\r" + line)
        else:
            decile = 10 * done // self.total
            if decile == self.last_decile:
                return
            self.last_decile = decile
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
