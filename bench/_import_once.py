"""Child process of bench/kpi_bench.py: import one CSV file and print the timing as JSON, so that
the parent can read this process's peak memory (RSS) on its own."""

import json
import sys
import time

from common import django_setup

django_setup(sys.argv[1])
from processes.imports import import_csv  # noqa: E402

started = time.perf_counter()
with open(sys.argv[2], "rb") as stream:
    report = import_csv(stream, user=None, recompute=False)
print(
    json.dumps(
        {
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "marked_days": report.marked_days,
            "seconds": time.perf_counter() - started,
        }
    )
)
