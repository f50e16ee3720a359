"""Errors a user can act on: the message names the file, table, column and row."""


class UserFacingError(Exception):
    """Bad input or an unusable setup; ``manage.py`` prints the message without a traceback."""


class ValidationError(UserFacingError):
    """Source data that cannot be loaded; nothing was written."""

    def __init__(self, problems: list[str], source: str | None = None):
        self.problems = problems
        self.source = source
        head = f"source {source!r}: " if source else ""
        super().__init__(head + f"{len(problems)} problem(s): " + "; ".join(problems))


class MappingError(UserFacingError):
    """A mapping file that cannot be applied."""
