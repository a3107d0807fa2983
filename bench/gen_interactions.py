"""Deterministic generator of interaction CSV files in the import format, for benchmarks.

    python bench/gen_interactions.py ROWS OUT.csv [--processes 10] [--agents-per-process 40]
        [--days 90] [--end 2026-10-31] [--seed 1] [--prefix BENCH] [--id-offset 0]

Rows are spread evenly over the days (local days of Europe/London), over processes
BENCH-P00…, agents BENCH-P00-A000…, and customers (so repeat contacts exist). About 4 % are
abandons (a quarter of them short), 3 % outbound, 25 % carry a CSAT score. The same arguments
always give the same file. `bench/setup_master_data` creates the matching processes and agents.
"""

import argparse
import random
import sys
from datetime import UTC, date, datetime, timedelta


def generate(
    rows,
    out,
    *,
    processes=10,
    agents_per_process=40,
    days=90,
    end=date(2026, 10, 31),
    seed=1,
    prefix="BENCH",
    id_offset=0,
    first_day=None,
):
    rng = random.Random(seed)
    first = first_day or (end - timedelta(days=days - 1))
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    span = days * 86_400
    out.write(
        "external_id,process,agent,channel,direction,customer_ref,arrived_at,answered_at,ended_at,"
        "talk_seconds,hold_seconds,wrap_seconds,abandoned,resolved,csat,disposition\n"
    )
    customers = max(1000, rows // 6)
    write = out.write
    for n in range(rows):
        p = n % processes
        offset = (n * span) // rows  # arrivals in time order, spread evenly
        arrived = start + timedelta(seconds=offset, microseconds=rng.randrange(1_000_000))
        customer = f"C{rng.randrange(customers):07d}" if rng.random() < 0.95 else ""
        roll = rng.random()
        process = f"{prefix}-P{p:02d}"
        a = arrived.isoformat()
        if roll < 0.04:
            left = arrived + timedelta(seconds=rng.randrange(1, 4) if roll < 0.01 else rng.randrange(6, 300))
            write(f"{id_offset + n},{process},,voice,inbound,{customer},{a},,{left.isoformat()},0,0,0,true,,,\n")
            continue
        agent = f"{process}-A{rng.randrange(agents_per_process):03d}"
        answered = arrived + timedelta(seconds=rng.randrange(0, 60))
        talk, hold, wrap = rng.randrange(60, 600), rng.randrange(0, 60), rng.randrange(10, 60)
        ended = answered + timedelta(seconds=talk + hold + wrap)
        direction = "outbound" if roll > 0.97 else "inbound"
        csat = str(rng.randrange(1, 6)) if direction == "inbound" and rng.random() < 0.25 else ""
        write(
            f"{id_offset + n},{process},{agent},voice,{direction},{customer},{a},{answered.isoformat()},"
            f"{ended.isoformat()},{talk},{hold},{wrap},false,,{csat},resolved\n"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int)
    parser.add_argument("out")
    parser.add_argument("--processes", type=int, default=10)
    parser.add_argument("--agents-per-process", type=int, default=40)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--end", type=date.fromisoformat, default=date(2026, 10, 31))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--prefix", default="BENCH")
    parser.add_argument("--id-offset", type=int, default=0)
    args = parser.parse_args(argv)
    with open(args.out, "w", buffering=1 << 20) if args.out != "-" else sys.stdout as out:
        generate(
            args.rows,
            out,
            processes=args.processes,
            agents_per_process=args.agents_per_process,
            days=args.days,
            end=args.end,
            seed=args.seed,
            prefix=args.prefix,
            id_offset=args.id_offset,
        )


if __name__ == "__main__":
    main()
