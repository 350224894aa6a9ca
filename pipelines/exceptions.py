"""Errors that stop a run. Each names the file, the column (or row) and what is wrong."""

from __future__ import annotations

__all__ = ["CovgapError", "RegisterError", "RegisterErrors"]


class CovgapError(Exception):
    """Base of every error covgap raises on purpose."""


class RegisterError(CovgapError):
    """A register cannot be used at all (missing file or column, unreadable encoding, cut off)."""

    def __init__(self, path: str, problem: str, column: str | None = None, row: int | None = None) -> None:
        self.path, self.problem, self.column, self.row = path, problem, column, row
        where = path
        if column is not None:
            where += f", column '{column}'"
        if row is not None:
            where += f", row {row}"
        super().__init__(f"{where}: {problem}")


class RegisterErrors(CovgapError):
    """Every structural problem found across the input folder, reported together."""

    def __init__(self, errors: list[RegisterError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))
