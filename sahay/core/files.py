"""Writing files people publish: whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, content: bytes) -> None:
    """A reader of the file sees the old one or the whole new one, never half of it.

    The file is readable by others (0644): only published figures are written this way.
    """
    directory = path.resolve().parent
    if not directory.is_dir():
        raise FileNotFoundError(f"{directory} is not a directory: nothing was written.")
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(handle, 0o644)  # mkstemp makes it private
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
