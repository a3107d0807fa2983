"""Issue 14: the first import with and without the old bulk-load path, same run, same database.

    python bench/import_lock_bench.py OLD_TREE [--rows 300000] [--repeat 3] [--pg URL] [--out NAME.json]

OLD_TREE is a copy of the work tree holding the code to compare with (e.g. `processes/imports.py`
of the commit before the change). Each round empties the interaction and mark tables, times a raw
COPY of the file, then imports the file as a first load with the old code and with this tree's
code, alternating which goes first. Writes JSON to bench/results/.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from kpi_bench import cached_file, fresh_database, raw_copy

BENCH = Path(__file__).resolve().parent


def first_import(tree: Path, url: str, path: Path) -> float:
    import psycopg2

    conn = psycopg2.connect(url)
    with conn.cursor() as cur:
        cur.execute("TRUNCATE processes_interaction, reporting_kpimark CASCADE")  # a bench database only
    conn.commit()
    conn.close()
    out = subprocess.run(
        [sys.executable, str(tree / "bench" / "_import_once.py"), url, str(path)],
        cwd=tree / "bench",
        check=True,
        capture_output=True,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
    )
    return json.loads(out.stdout)["seconds"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("old_tree", type=Path)
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/bpo_bench")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/bpo-bench"))
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    path = cached_file(args.cache, args.rows)
    fresh_database(args.pg)
    new_tree = BENCH.parent
    samples = []
    for n in range(args.repeat):
        order = [("old", args.old_tree), ("new", new_tree)]
        if n % 2:
            order.reverse()
        sample = {"raw_copy_s": raw_copy(args.pg, path)}
        for name, tree in order:
            sample[f"{name}_s"] = first_import(tree, args.pg, path)
        sample["old_ratio"] = sample["old_s"] / sample["raw_copy_s"]
        sample["new_ratio"] = sample["new_s"] / sample["raw_copy_s"]
        samples.append(sample)
        print(json.dumps(sample), flush=True)
    result = {"finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "rows": args.rows, "samples": samples}
    print(json.dumps(result, indent=2))
    if args.out:
        (BENCH / "results" / args.out).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
