"""Files that hold personal data (000 §2) belong to the hub's user alone:
directories 0700, files 0600.

Every such file is created with its mode given explicitly, and an existing one
is tightened when the hub opens it, rather than relying on the process umask:
a umask is one global setting that every entry point (the service, the CLI, a
test, a migration run by hand) must remember, and it does nothing for files an
older version already created 0644.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ["PRIVATE_DIR", "PRIVATE_FILE", "private_dir", "tighten", "write_private"]

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def private_dir(path: Path) -> Path:
    """Make ``path`` (and missing parents) a directory only the hub's user enters."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    path.chmod(PRIVATE_DIR)
    return path


def tighten(path: Path) -> None:
    """Restrict an existing file to the hub's user; a missing one is no error."""
    with contextlib.suppress(FileNotFoundError):
        path.chmod(PRIVATE_FILE)


def write_private(target: Path, content: bytes) -> None:
    """Write ``content`` to ``target`` atomically (a temporary beside it, then a
    rename), created 0600 whatever the umask."""
    temporary = target.with_name(target.name + ".part")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)
        with os.fdopen(fd, "wb") as out:
            fd = -1
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
    finally:
        if fd >= 0:
            os.close(fd)
    temporary.replace(target)
