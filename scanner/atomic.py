"""Write files so that a reader never sees half of one: temporary file, then rename."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TextIO


def write_text(path: Path, text: str) -> None:
    write_with(path, lambda handle: handle.write(text))


def write_with(path: Path, write: Callable[[TextIO], object]) -> None:
    """``write`` fills the temporary file as it goes (a large report never needs to
    be one string in memory); the file appears under ``path`` only when complete."""
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            write(handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
