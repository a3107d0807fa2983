"""The staging table every import fills before it writes: one row per valid record, typed as the
interaction table is (same column names), on each backend. PostgreSQL takes the rows by COPY in
its text format, SQLite by batched inserts; memory stays flat whatever the size of the file."""

from __future__ import annotations

import io
from collections.abc import Iterator

from django.db import IntegrityError, connection

# Staging columns, in the order rows are written; the interaction table has the same names.
STAGING_COLUMNS = (
    "line",
    "process_id",
    "client_id",
    "external_id",
    "agent_id",
    "team_id",
    "channel",
    "direction",
    "customer_ref",
    "arrived_at",
    "answered_at",
    "ended_at",
    "talk_seconds",
    "hold_seconds",
    "wrap_seconds",
    "abandoned",
    "resolved",
    "csat",
    "disposition",
    "local_date",
    "arrived_us",
    "wait_seconds",
    "duration_seconds",
)
STAGING_TYPES = {
    "line": "integer",
    "process_id": "bigint",
    "client_id": "bigint",
    "external_id": "varchar(100)",
    "agent_id": "bigint",
    "team_id": "bigint",
    "channel": "varchar(16)",
    "direction": "varchar(8)",
    "customer_ref": "varchar(100)",
    "arrived_at": "timestamptz",
    "answered_at": "timestamptz",
    "ended_at": "timestamptz",
    "talk_seconds": "integer",
    "hold_seconds": "integer",
    "wrap_seconds": "integer",
    "abandoned": "boolean",
    "resolved": "boolean",
    "csat": "smallint",
    "disposition": "varchar(100)",
    "local_date": "date",
    "arrived_us": "bigint",
    "wait_seconds": "double precision",
    "duration_seconds": "double precision",
}


class CopyStream(io.RawIOBase):
    """A read-only file over an iterator of text lines (or blocks of bytes), for psycopg2's copy_expert."""

    def __init__(self, lines: Iterator[str]):
        self._lines = lines
        self._buffer = b""

    def readable(self):
        return True

    def read(self, size=-1):
        chunks = [self._buffer]
        length = len(self._buffer)
        for line in self._lines:
            data = line if isinstance(line, bytes) else line.encode("utf-8")
            chunks.append(data)
            length += len(data)
            if size >= 0 and length >= size:
                break
        data = b"".join(chunks)
        if size < 0:
            self._buffer = b""
            return data
        self._buffer = data[size:]
        return data[:size]


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_line(row: tuple) -> str:
    """One staging row in PostgreSQL's COPY text format."""
    (line, process, client, external_id, agent, team, channel, direction, customer, arrived, answered, ended,
     talk, hold, wrap, abandoned, resolved, csat, disposition, local_date, arrived_us, wait,
     duration) = row  # fmt: skip
    n = "\\N"
    return (
        f"{line}\t{process}\t{client}\t{external_id.translate(_COPY_ESCAPES)}\t"
        f"{n if agent is None else agent}\t{n if team is None else team}\t{channel}\t{direction}\t"
        f"{customer.translate(_COPY_ESCAPES)}\t{arrived}\t"
        f"{n if answered is None else answered}\t{n if ended is None else ended}\t{talk}\t{hold}\t{wrap}\t"
        f"{'t' if abandoned else 'f'}\t{n if resolved is None else ('t' if resolved else 'f')}\t"
        f"{n if csat is None else csat}\t{disposition.translate(_COPY_ESCAPES)}\t{local_date}\t{arrived_us}\t"
        f"{n if wait is None else wait}\t{n if duration is None else duration}\n"
    )


class Staging:
    """The per-import staging table on one database backend."""

    name = "import_staging"

    def __init__(self, cursor):
        self.cursor = cursor
        self.postgres = connection.vendor == "postgresql"
        self.duplicates = self.postgres  # whether duplicate keys may be staged (SQLite knows after load)

    def create(self):
        # Dropped at the end too; "IF EXISTS" covers an import nested in an outer transaction.
        self.drop()
        if self.postgres:
            columns = ", ".join(f"{c} {STAGING_TYPES[c]}" for c in STAGING_COLUMNS)
            self.cursor.execute(f"CREATE TEMP TABLE {self.name} ({columns}) ON COMMIT DROP")
        else:
            self.cursor.execute(f"CREATE TEMP TABLE {self.name} ({', '.join(STAGING_COLUMNS)})")

    def load(self, rows: Iterator[tuple]) -> None:
        if self.postgres:
            lines = map(copy_line, rows)
            raw = self.cursor.cursor  # psycopg2's own cursor, for COPY
            raw.copy_expert(f"COPY {self.name} ({', '.join(STAGING_COLUMNS)}) FROM STDIN", CopyStream(lines))
        else:
            sql = f"INSERT INTO temp.{self.name} VALUES ({', '.join('?' * len(STAGING_COLUMNS))})"
            raw = self.cursor.cursor  # sqlite3's own cursor: '?' placeholders, no Django rewriting
            batch = []
            for row in rows:
                batch.append(row)
                if len(batch) >= 5000:
                    raw.executemany(sql, batch)
                    batch.clear()
            if batch:
                raw.executemany(sql, batch)
        # On SQLite a unique index finds duplicate external ids (then `writing._find_duplicates` lists
        # them); on PostgreSQL the interaction table's unique key does (see `writing.write_staged`).
        index = f"INDEX import_staging_key ON {self.name} (process_id, external_id)"
        if not self.postgres:
            try:
                self.cursor.execute(f"CREATE UNIQUE {index}")
                return
            except IntegrityError:
                self.duplicates = True
        self.cursor.execute(f"CREATE {index}")

    def drop(self):
        self.cursor.execute(f"DROP TABLE IF EXISTS {'' if self.postgres else 'temp.'}{self.name}")
