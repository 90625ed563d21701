"""Atomic output: a file, or a folder of files, is either written whole or not at all.

A file goes to a temporary file with a short name in the target's folder (so that a
name of up to 255 bytes still has room beside it), is flushed to disk, and is renamed
over the target. Replacing a file keeps its permission bits, and a symbolic link keeps
pointing where it pointed: the file it leads to is replaced. A folder of outputs is
built under a temporary name beside its destination and renamed into place, so it
never mixes with an earlier run's files. Any interruption (Ctrl-C, or SIGTERM, which the
CLI turns into the same exception) removes what was temporary.
"""

from __future__ import annotations

import os
import secrets
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

from reynolds.errors import SceneError, echo

TEMP_PREFIX = ".reynolds-"


def _real(path: str | os.PathLike) -> Path:
    """`path` as an absolute path; a symbolic link is followed to what it leads to."""
    return Path(
        os.path.realpath(path) if os.path.islink(path) else os.path.abspath(path)
    )


def _fail(path: str | os.PathLike, error: OSError) -> SceneError:
    return SceneError(
        f"cannot write: {error.strerror or error}", source=os.fspath(path)
    )


def _create_temp(folder: Path, *, directory: bool = False) -> Path:
    """A new, empty temporary file or folder in `folder`, with the mode a plain create
    gives it (0666 or 0777 less the umask)."""
    for _ in range(100):
        temp = folder / f"{TEMP_PREFIX}{secrets.token_hex(4)}.tmp"
        try:
            if directory:
                os.mkdir(temp, 0o777)
            else:
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
                os.close(os.open(temp, flags, 0o666))
            return temp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {folder}")


def _write_all(path: Path, data: bytes) -> None:
    """Write `data` to the file `path` and flush it to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _check_folder(target: Path, source: str) -> None:
    if target.is_dir():
        raise SceneError("is a directory, not a file", source=source)
    if not target.parent.is_dir():
        raise SceneError(
            f"folder {echo(str(target.parent))} does not exist", source=source
        )


def check_writable(path: str | os.PathLike) -> None:
    """Refuse, before any work is done, an output file that could not be written: a
    folder, a missing folder, or a folder where no file can be created (read-only
    filesystem, no permission); the check creates and removes a temporary file.

    Raises:
        SceneError: naming `path`.
    """
    target = _real(path)
    _check_folder(target, os.fspath(path))
    try:
        _create_temp(target.parent).unlink()
    except OSError as error:
        raise _fail(path, error) from None


def write_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` to `path` (or the file its symbolic link leads to), atomically.

    Raises:
        SceneError: the path is a folder, its folder does not exist, or writing failed
            (no permission, read-only filesystem, disk full); nothing is left behind.
    """
    source = os.fspath(path)
    target = _real(path)
    _check_folder(target, source)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mode = None  # a new file: the mode of a plain create
    try:
        temp = _create_temp(target.parent)
    except OSError as error:
        raise _fail(path, error) from None
    try:
        _write_all(temp, data)
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, target)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise _fail(path, error) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _folder_target(path: str | os.PathLike, replaceable: Callable[[str], bool]) -> Path:
    """The folder that writing the output folder `path` replaces, after checking that
    it is new, empty, or holds only names `replaceable` accepts."""
    source = os.fspath(path)
    target = _real(path)
    if target.exists():
        if not target.is_dir():
            raise SceneError("exists and is not a folder", source=source)
        try:
            foreign = sorted(n for n in os.listdir(target) if not replaceable(n))
        except OSError as error:
            raise SceneError(f"cannot read: {error.strerror}", source=source) from None
        if foreign:
            raise SceneError(
                f"holds files that are not outputs of an earlier run (such as "
                f"{echo(foreign[0])}); choose a new or empty folder",
                source=source,
            )
    return target


def check_output_folder(
    path: str | os.PathLike, replaceable: Callable[[str], bool]
) -> None:
    """Refuse, before any work is done, an output folder that could not be written
    whole: a file, a folder holding other files, or one whose parent folder cannot be
    written. The check creates and removes a temporary folder in the parent, or in its
    nearest existing ancestor when the parent is still to be created; it creates
    nothing else.

    Raises:
        SceneError: naming `path`.
    """
    folder = _folder_target(path, replaceable).parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise SceneError(f"{echo(str(folder))} is not a folder", source=os.fspath(path))
    try:
        _create_temp(folder, directory=True).rmdir()
    except OSError as error:
        raise _fail(path, error) from None


def write_folder_atomic(
    path: str | os.PathLike,
    files: dict[str, bytes],
    *,
    replaceable: Callable[[str], bool],
) -> list[Path]:
    """Write `files` ({name: bytes}) as the whole content of the folder `path`.

    The files are written into a temporary folder beside `path`, which is then renamed
    to `path`. An existing `path` must be empty or hold only names `replaceable`
    accepts (an earlier run's outputs): it is replaced as a whole, keeping its mode.

    Returns:
        The paths of the files written.
    Raises:
        SceneError: see `check_output_folder`, or writing failed; `path` is then as it
            was before.
    """
    target = _folder_target(path, replaceable)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = _create_temp(target.parent, directory=True)
    except OSError as error:
        raise _fail(path, error) from None
    old = None
    try:
        for name, data in files.items():
            _write_all(temp / name, data)
        if target.is_dir():
            os.chmod(temp, stat.S_IMODE(os.stat(target).st_mode))
            old = _create_temp(target.parent, directory=True)
            os.rename(target, old)  # replaces the empty placeholder
        try:
            os.rename(temp, target)
        except BaseException:
            if old is not None:
                os.rename(old, target)
                old = None
            raise
    except OSError as error:
        shutil.rmtree(temp, ignore_errors=True)
        raise _fail(path, error) from None
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return [Path(path) / name for name in files]
