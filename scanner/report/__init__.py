"""Report writers. Each renders a ScanResult to text; ``write`` puts it on stdout or
into a file atomically."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from scanner import atomic
from scanner.report import csv_report, json_report, junit, markdown, sarif, table
from scanner.report.options import RenderOptions
from scanner.runner import ScanResult

Renderer = Callable[[ScanResult, RenderOptions], str]
FORMATS: dict[str, Renderer] = {
    "table": table.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "junit": junit.render,
    "csv": csv_report.render,
    "markdown": markdown.render,
}


class OutputError(Exception):
    """An -o value that cannot be honoured; one line naming it."""


@dataclass(frozen=True)
class Output:
    format: str
    path: Path | None  # None: standard output


def parse_output(text: str) -> Output:
    """``FORMAT`` or ``FORMAT=PATH``; checks the format and that PATH can be written."""
    fmt, sep, raw_path = text.partition("=")
    fmt = fmt.strip().lower()
    if fmt not in FORMATS:
        raise OutputError(f"-o {text}: unknown format {fmt!r} (expected one of: {', '.join(FORMATS)})")
    if not sep or raw_path in ("", "-"):
        return Output(fmt, None)
    path = Path(raw_path)
    directory = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise OutputError(f"-o {text}: {path} is a directory")
    if not directory.is_dir():
        raise OutputError(f"-o {text}: directory {directory} does not exist")
    if not os.access(directory, os.W_OK):
        raise OutputError(f"-o {text}: directory {directory} is not writable")
    return Output(fmt, path)


def check_outputs(outputs: list[Output]) -> None:
    to_stdout = [o.format for o in outputs if o.path is None]
    if len(to_stdout) > 1:
        raise OutputError(f"-o: only one output can go to standard output (got {', '.join(to_stdout)})")
    paths = [o.path for o in outputs if o.path is not None]
    if len(set(paths)) != len(paths):
        raise OutputError("-o: two outputs name the same file")


# Formats written as they are encoded rather than rendered to one string first: the
# JSON report of a large scan is tens of megabytes.
STREAMED: dict[str, Callable[[ScanResult, RenderOptions, TextIO], None]] = {"json": json_report.dump}


def write(result: ScanResult, output: Output, options: RenderOptions) -> None:
    streamed = STREAMED.get(output.format)
    if output.path is None:
        if streamed is not None:
            streamed(result, options, sys.stdout)
        else:
            sys.stdout.write(FORMATS[output.format](result, options))
        sys.stdout.flush()
    elif streamed is not None:
        atomic.write_with(output.path, lambda handle: streamed(result, options, handle))
    else:
        atomic.write_text(output.path, FORMATS[output.format](result, options))
