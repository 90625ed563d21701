"""Reading a user's input file: a regular file only, whole, up to a size cap.

A FIFO would block the reader forever and a device such as /dev/zero never ends, so
anything that is not a regular file is refused before a byte is read. The file is
opened without blocking and checked on the open descriptor, so that what is checked is
what is read.
"""

from __future__ import annotations

import os
import stat

from reynolds.errors import SceneError

MiB = 1 << 20


def read_input(path: str | os.PathLike, *, max_bytes: int) -> bytes:
    """The bytes of the regular file at `path`.

    Raises:
        SceneError: missing, a folder, not a regular file (FIFO, device, socket),
            larger than `max_bytes`, or unreadable.
    """
    source = os.fspath(path)
    try:
        fd = os.open(source, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise SceneError("no such file", source=source) from None
    except IsADirectoryError:
        raise SceneError("is a directory, not a file", source=source) from None
    except OSError as error:
        raise SceneError(f"cannot read: {error.strerror}", source=source) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise SceneError("is a directory, not a file", source=source)
        if not stat.S_ISREG(info.st_mode):
            raise SceneError(
                "not a regular file (a pipe, device or socket is not read)",
                source=source,
            )
        if info.st_size > max_bytes:
            raise SceneError(
                f"file of {info.st_size / MiB:.1f} MiB exceeds the limit of "
                f"{max_bytes // MiB} MiB",
                source=source,
            )
        chunks = []
        remaining = max_bytes + 1  # a file that grows while read is cut off here
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 16 * MiB))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as error:
        raise SceneError(f"cannot read: {error.strerror}", source=source) from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise SceneError(
            f"file exceeds the limit of {max_bytes // MiB} MiB", source=source
        )
    return data
