"""Output folders: checked before any work, so a bad `--out` fails in a second, not after it all.

Used by `cajal figures` and `cajal experiment` (and their library entry points). It
depends only on the diagnostics, so any layer may use it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .diagnostics import CajalError, ErrorKind


def prepare_output_dir(path: Path, option: str = "--out") -> Path:
    """Create the output folder `path` (and its parents) and prove it writable.

    Refusals are CajalError(IO), exit 1 from the CLI: a path that is a file or lies
    under a file, a folder that cannot be created or written. Writability is proved by
    creating and removing a scratch file, which is what the real outputs will need
    (permission bits alone say nothing for root or on a read-only file system).
    """
    shown = os.fsdecode(path)
    for folder in [path, *path.parents]:
        if folder.exists() and not folder.is_dir():
            where = "is" if folder == path else f"lies under `{os.fsdecode(folder)}`, which is"
            raise CajalError(ErrorKind.IO, f"{option} `{shown}` {where} a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        reason = (exc.strerror or type(exc).__name__).lower()
        raise CajalError(ErrorKind.IO, f"{option} `{shown}`: cannot write there ({reason})") from None
    return path
