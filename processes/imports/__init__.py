"""The interaction import (IMPORT_FORMAT.md), behind all three doors: the CSV upload page,
`manage.py import_interactions` and `POST /api/v1/interactions/bulk/`.

One pass streams the records: each is validated and, if valid, written straight into a staging
table (COPY on PostgreSQL, batched inserts on SQLite), so memory stays flat whatever the size.
On PostgreSQL a CSV file mostly bypasses Python: COPY reads it into a raw table and the rules are
checked set-based in SQL. Then, in the same transaction, the database checks for duplicate
external ids, marks every (process, local day) the import can change for KPI recomputation, and
upserts all rows set-based. Any error anywhere and nothing is written (all or nothing);
re-importing the same records updates them in place (idempotent).

Where things are:

    rules.py          the format: columns, how each kind of value reads, the checks and messages
    csv_reader.py     the one CSV reader (also the work-item import's)
    sources.py        the records of a CSV file or of the bulk API's JSON array
    scope.py          the processes a caller may import into and the agents rows may name
    conditions.py     the vocabulary the checks are written in, rendered as Python and as SQL
    python_path.py    RowValidator: one record at a time (SQLite, the bulk API, odd CSV records)
    postgres_path.py  the COPY path: CSV files checked set-based in SQL (PostgreSQL)
    staging.py        the staging table
    writing.py        duplicates, marks, upsert and the changed days, set-based
    marks.py          every call into the ledger of changed days and the KPI worker
    service.py        import_interactions, import_csv, import_records: the service
    jobs.py           an uploaded file's ImportJob: its states, progress and requeue (the tasks')
    template.py       the template CSV of the Imports page

The names below are what the rest of the portal (and its tests) import from `processes.imports`.
"""

from processes.imports.python_path import RowValidator
from processes.imports.report import ImportFailed, ImportReport
from processes.imports.rules import COLUMNS, REQUIRED_COLUMNS
from processes.imports.service import import_csv, import_interactions, import_records
from processes.imports.sources import csv_rows
from processes.imports.template import TEMPLATE_PLACEHOLDER_AGENT, TEMPLATE_PLACEHOLDER_PROCESS, import_template

__all__ = [
    "COLUMNS",
    "REQUIRED_COLUMNS",
    "TEMPLATE_PLACEHOLDER_AGENT",
    "TEMPLATE_PLACEHOLDER_PROCESS",
    "ImportFailed",
    "ImportReport",
    "RowValidator",
    "csv_rows",
    "import_csv",
    "import_interactions",
    "import_records",
    "import_template",
]
