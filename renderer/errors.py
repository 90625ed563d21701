"""The error type for a user's mistake, and the warning type for what an import leaves
out: both name the file and the place."""

from __future__ import annotations


class SceneError(ValueError):
    """Invalid user input: a scene file, an image, a parameter name or an option.

    `source` is the file (or another label for where the input came from), `where` the
    place inside it: a JSON path such as `shapes[2].radius`, or `line 3 column 7`.
    `str(error)` is the single line the CLI prints after `error: `.
    """

    def __init__(
        self, message: str, *, source: str | None = None, where: str | None = None
    ):
        self.message = message
        self.source = source
        self.where = where
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [p for p in (self.source, self.where) if p]
        return ": ".join(parts + [self.message])

    def with_source(self, source: str) -> SceneError:
        """The same error, attributed to `source` (used when a parse came from a file)."""
        return SceneError(self.message, source=source, where=self.where)


class SvgWarning(UserWarning):
    """Something in an SVG file that the scene does not carry: an unsupported element,
    attribute or value, reported with the file and `where` (`line 12 <text>`) and
    skipped. `str(warning)` is the single line the CLI prints after `warning: `.
    """

    def __init__(
        self, message: str, *, source: str | None = None, where: str | None = None
    ):
        self.message = message
        self.source = source
        self.where = where
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [p for p in (self.source, self.where) if p]
        return ": ".join(parts + [self.message])
