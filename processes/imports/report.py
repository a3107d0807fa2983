"""What an import did, or why it wrote nothing: the report every door shows (the result page, the
command line, the bulk API's answer) and the exception that carries it. The work-item import
(work/imports.py) extends the report with its own counts."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_LISTED_ERRORS = 100


@dataclass(frozen=True, order=True)
class ImportError_:
    line: int
    column: str
    message: str

    def __str__(self):
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"

    def as_dict(self):
        return {"line": self.line, "column": self.column or None, "message": self.message}


@dataclass
class ImportReport:
    """What an import did, or why it wrote nothing."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    error_count: int = 0
    errors: list[ImportError_] = field(default_factory=list)
    marked_days: int = 0
    process_ids: set[int] = field(default_factory=set)
    # Per process, the local days the import changed (see `_record_changes`), for the result page,
    # the command line and the API: [{"process", "timezone", "rows", "days", "first", "last",
    # "ranges": [[start, end], ...], "more_ranges"}], ISO dates, ordered by process code.
    changes: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def change_lines(self) -> list[str]:
        """The changed days as text, one line per process (the command line prints these)."""
        lines = []
        for change in self.changes:
            spans = ", ".join(start if start == end else f"{start} to {end}" for start, end in change["ranges"])
            if change["more_ranges"]:
                spans += f" and {change['more_ranges']} more range(s)"
            lines.append(
                f"{change['process']}: {change['rows']:,} row(s); {change['days']} local day(s) changed "
                f"({change['timezone']}): {spans}"
            )
        return lines

    def day_ranges(self) -> list[dict]:
        """The changed days as ranges of consecutive local days, for the bulk API's answer."""
        return [
            {"process": c["process"], "timezone": c["timezone"], "start": start, "end": end}
            for c in self.changes
            for start, end in c["ranges"]
        ]

    def add_error(self, line: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(ImportError_(line, column, message))

    def error_lines(self) -> list[str]:
        """The listed errors as text, plus a line with how many more there were."""
        lines = [str(e) for e in sorted(self.errors)]
        if self.error_count > len(self.errors):
            lines.append(f"… and {self.error_count - len(self.errors)} more errors")
        return lines


class ImportFailed(Exception):
    """Raised when an import wrote nothing because of errors; `report` lists them."""

    def __init__(self, report: ImportReport):
        self.report = report
        super().__init__(f"{report.error_count} error(s); nothing was imported")
