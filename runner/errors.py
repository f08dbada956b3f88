"""User-facing errors: what was wrong, where (file, line, field), and what to do."""

from __future__ import annotations


class DtuError(Exception):
    """An error dtu reports to its user without a traceback."""


class ScenarioError(DtuError):
    """A scenario file that cannot be used."""

    def __init__(self, path: str, line: int | None, field: str, message: str, fix: str = "") -> None:
        self.path = path
        self.line = line
        self.field = field
        self.message = message
        self.fix = fix
        where = f"{path}:{line}" if line else path
        text = f"{where}: {field}: {message}" if field else f"{where}: {message}"
        if fix:
            text += f" (fix: {fix})"
        super().__init__(text)
