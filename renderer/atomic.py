"""Atomic file output: a file is either written whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from reynolds.errors import SceneError


def write_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename.

    Raises:
        SceneError: the folder does not exist or cannot be written.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise SceneError(f"folder {str(folder)!r} does not exist", source=str(path))
    try:
        fd, tmp = tempfile.mkstemp(
            dir=folder, prefix=f".{target.name}.", suffix=".part"
        )
    except OSError as error:
        raise SceneError(f"cannot write: {error.strerror}", source=str(path)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        # mkstemp creates the file 0600; give it the mode a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
