"""The one table ``python -m tests.bench`` prints."""

from __future__ import annotations

from collections.abc import Iterable

from .core import Result

COLUMNS = ("benchmark", "figure", "target", "result", "conditions")


def cells(result: Result) -> tuple[str, ...]:
    return (result.name, result.figure, result.target or "-", result.verdict,
            result.conditions or "-")


def render(results: Iterable[Result]) -> str:
    """A Markdown-style table (readable as text, pasteable into a PR)."""
    rows = [COLUMNS, *(cells(result) for result in results)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(COLUMNS))]

    def line(row: tuple[str, ...]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths,
                                                                          strict=True)) + " |"

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(rows[0]), rule, *(line(row) for row in rows[1:])])
