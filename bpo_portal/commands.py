"""What the file-import commands share: resolve the acting user, import each path (or stdin for
'-') all or nothing, report errors on stderr, and exit 1 if any file failed."""

import sys
import time

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

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
    if failed:
        raise CommandError(f"{failed} of {len(paths)} file(s) failed; see the errors above", returncode=1)
