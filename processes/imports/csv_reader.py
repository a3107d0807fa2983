"""The one CSV reader of the portal's imports, for interactions (IMPORT_FORMAT.md) and work items
(work/imports.py) alike.

UTF-8 with or without a BOM; the first line is the header, its names stripped, columns in any
order; an unknown or repeated name and a missing required one are errors on line 1; Python's csv
dialect in strict mode; blank lines are skipped; a line with another number of fields than the
header is an error and is skipped. Values come out stripped, in the caller's column order, the
empty string for a column the header lacks. Problems go to the caller's ImportReport with the
line they are on. The COPY path of the interaction import (postgres_path.py) reads the same
header with `header_names` and `check_header` and reports with the same messages.
"""

from __future__ import annotations

import codecs
import csv
import io
import operator
from collections.abc import Iterator

from processes.imports.report import ImportReport

UTF8_ERROR = "the file is not valid UTF-8 (save it as CSV UTF-8)"
EMPTY_FILE = "the file is empty: the first line must be the header"


def width_error(width: int, found: int) -> str:
    return f"expected {width} fields like the header, found {found}"


def malformed(exc: csv.Error) -> str:
    return f"malformed CSV: {exc}"


def text_stream(stream, *, buffered: bool = True):
    """`stream` (bytes or text) as text, UTF-8 with an optional BOM, strict. A binary file with
    `read1` is wrapped in a TextIOWrapper (fast); anything else with `.read()` (an upload, or
    `buffered=False`) goes through a codecs reader, which decodes in smaller pieces: the line of a
    UTF-8 error it reports can differ, so each import keeps the reader it has always used."""
    if isinstance(stream, io.TextIOBase):
        return stream
    if buffered and hasattr(stream, "readable") and hasattr(stream, "read1"):
        return io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
    return codecs.getreader("utf-8-sig")(stream, errors="strict")


def header_names(header: list[str]) -> list[str]:
    """The column names of a header line: a BOM that a text stream kept is dropped, names stripped."""
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    return [name.strip() for name in header]


def check_header(
    names: list[str], report: ImportReport, *, columns: tuple[str, ...], required: tuple[str, ...]
) -> dict[str, int] | None:
    """{name: position} of the header `names`, or None after reporting its problems on line 1."""
    index = {}
    for position, name in enumerate(names):
        if name not in columns:
            report.add_error(1, name, f"unknown column (expected some of: {', '.join(columns)})")
        elif name in index:
            report.add_error(1, name, "column appears twice")
        else:
            index[name] = position
    for name in required:
        if name not in index:
            report.add_error(1, name, "required column missing")
    return None if report.error_count else index


def csv_records(
    stream,
    report: ImportReport,
    *,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    buffered: bool = True,
) -> Iterator[tuple[int, list[str]]]:
    """(line number, the stripped values in `columns` order) per data line of a CSV stream.
    Header problems end the reading; malformed lines are reported and skipped; a decoding or
    csv error is reported and ends the reading."""
    reader = csv.reader(text_stream(stream, buffered=buffered), strict=True)
    line = 1
    try:
        header = next(reader, None)
        if header is None:
            report.add_error(1, "", EMPTY_FILE)
            return
        index = check_header(header_names(header), report, columns=columns, required=required)
        if index is None:
            return
        width = len(header)
        # A missing column reads the empty string appended at position `width`.
        positions = [index.get(name, width) for name in columns]
        in_order = positions == list(range(len(columns))) and width == len(columns)
        pick = operator.itemgetter(*positions)
        strip = str.strip
        for values in reader:
            line = reader.line_num
            if len(values) != width:
                if not values or values == [""]:
                    continue
                report.add_error(line, "", width_error(width, len(values)))
                continue
            if in_order:  # the header in `columns` order: no reordering, nothing missing
                yield line, list(map(strip, values))
            else:
                values.append("")
                yield line, list(map(strip, pick(values)))
    except UnicodeDecodeError:
        report.add_error(line + 1, "", UTF8_ERROR)
    except csv.Error as exc:
        report.add_error(reader.line_num or line, "", malformed(exc))
