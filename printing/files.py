"""Files a reader may open at any moment (a download during an incident)."""

import os
import tempfile
from pathlib import Path


def file_write_atomic(*, path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary name and a rename.

    A reader sees either no file (or the old one) or the whole new one, never a
    half-written PDF; a failed write leaves no temporary file behind.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
