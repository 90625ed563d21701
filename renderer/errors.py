"""The error type for a user's mistake, and the warning type for what an import leaves
out: both name the file and the place."""

from __future__ import annotations

# Characters of a user's value that a message repeats; a longer value is cut there.
MAX_ECHO = 60
# Characters of each part (file, place, message) of an error line, as a last resort.
MAX_PART = 1000


def printable(text: str) -> str:
    """`text` with every character that is not printable escaped as Python writes it
    (`\\n`, `\\x1b`, `\\u202e`, `\\udc80`): control characters, unpaired surrogates,
    line separators. A message stays one line and never drives the terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def shorten(text: str, limit: int = MAX_ECHO) -> str:
    """`text`, cut after `limit` characters with a note of its full length."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"


def echo(value: str) -> str:
    """A user's string as a message quotes it: in quotes, escaped, cut to MAX_ECHO."""
    if len(value) <= MAX_ECHO:
        return repr(value)
    return f"{value[:MAX_ECHO]!r}... ({len(value)} characters)"


def one_line(source: str | None, where: str | None, message: str) -> str:
    """`source: where: message` (without the parts that are None or empty), each part
    escaped with `printable` and cut to MAX_PART characters."""
    parts = [p for p in (source, where) if p] + [message]
    return ": ".join(printable(shorten(p, MAX_PART)) for p in parts)


class _Located:
    """A message with the file (`source`) and the place in it (`where`) it concerns;
    `str()` is the one line `source: where: message` (see `one_line`)."""

    def __init__(
        self, message: str, *, source: str | None = None, where: str | None = None
    ):
        self.message = message
        self.source = source
        self.where = where
        super().__init__(str(self))

    def __str__(self) -> str:
        return one_line(self.source, self.where, self.message)


class SceneError(_Located, ValueError):
    """Invalid user input: a scene file, an image, a parameter name or an option.

    `source` is the file (or another label for where the input came from), `where` the
    place inside it: a JSON path such as `shapes[2].radius`, or `line 3 column 7`.
    `str(error)` is the single line the CLI prints after `error: `: every part is
    escaped with `printable` and cut to MAX_PART characters.
    """

    def with_source(self, source: str) -> SceneError:
        """The same error, attributed to `source` (used when a parse came from a file)."""
        return SceneError(self.message, source=source, where=self.where)


class SvgWarning(_Located, UserWarning):
    """Something in an SVG file that the scene does not carry: an unsupported element,
    attribute or value, reported with the file and `where` (`line 12 <text>`) and
    skipped. `str(warning)` is the single line the CLI prints after `warning: `,
    escaped and cut as a `SceneError`'s.
    """
