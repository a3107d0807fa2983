"""Re-import on SQLite: the same file imported twice into a fresh database (every row of the second
import updates a stored one, so the repeat-contact evaluation meets the stored contacts).

    .venv/bin/python bench/reimport_bench.py [ROWS] [--db /tmp/reimport_bench.sqlite3]

Prints the first and second import times. Before the repeat-flag statements used non-correlated
IN / NOT IN on SQLite, 20,000 rows took 1.1 s the first time and 56-65 s the second.
"""

import argparse
import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import create_master_data, django_setup  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", type=int, nargs="?", default=20000)
    parser.add_argument("--db", default="/tmp/reimport_bench.sqlite3")
    args = parser.parse_args()
    if os.path.exists(args.db):
        os.remove(args.db)
    django_setup(f"sqlite:///{args.db}")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    create_master_data(processes=2, agents_per_process=10)
    from gen_interactions import generate

    from processes.imports import import_csv

    buffer = io.StringIO()
    generate(args.rows, buffer, processes=2, agents_per_process=10, days=10)
    data = buffer.getvalue().encode()
    for label in ("first import", "re-import"):
        started = time.perf_counter()
        report = import_csv(io.BytesIO(data), user=None)
        print(f"{label}: {report.created} created, {report.updated} updated in {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
