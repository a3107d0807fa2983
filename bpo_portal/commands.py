"""What the file-import commands share: resolve the acting user, import each path (or stdin for
'-') all or nothing, report errors on stderr, and exit 1 if any file failed. A file whose rows were committed is a
success, whether or not the broker could be told to recompute its KPIs (the sweep does it)."""

import sys
import time

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from bpo_portal.tasks import broker_note, enqueue_failures
from processes.imports import ImportFailed


def import_files(command, *, paths, username, importer, summary) -> None:
    """Run `importer(stream, user=actor)` on every path; `summary(report, seconds)` is the line
    printed for a file that was imported."""
    actor = None
    if username:
        try:
            actor = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"no user {username!r}") from None
    failed = 0
    for path in paths:
        started = time.perf_counter()
        try:
            # The import commits before its KPI recompute is queued: a broker that cannot be
            # reached is reported below, never taken for a failed import.
            with enqueue_failures() as unqueued:
                if path == "-":
                    report = importer(sys.stdin.buffer, user=actor)
                else:
                    with open(path, "rb") as stream:
                        report = importer(stream, user=actor)
        except FileNotFoundError:
            command.stderr.write(f"{path}: no such file")
            failed += 1
            continue
        except ImportFailed as exc:
            failed += 1
            command.stderr.write(f"{path}: {exc.report.error_count} error(s); nothing was imported from this file")
            for line in exc.report.error_lines():
                command.stderr.write(f"{path}: {line}")
            continue
        command.stdout.write(f"{path}: {summary(report, time.perf_counter() - started)}")
        if note := broker_note(unqueued, "KPIs will be recomputed by the worker's sweep"):
            command.stdout.write(f"{path}: {note}")
    if failed:
        raise CommandError(f"{failed} of {len(paths)} file(s) failed; see the errors above", returncode=1)
