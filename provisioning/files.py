"""Writing a tree of files all at once or not at all: everything goes into a temporary
folder beside the target, which then takes the target's place. Secrets are created with
mode 0600 from the start, never widened later."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SECRET_MODE = 0o600
PUBLIC_MODE = 0o644


def write_file(path: Path, content: str | bytes, mode: int = PUBLIC_MODE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode() if isinstance(content, str) else content
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.chmod(path, mode)  # the umask may have narrowed it; never wider than asked


def write_secret(path: Path, content: str | bytes) -> None:
    write_file(path, content, SECRET_MODE)


def replace_file(path: Path, content: str | bytes, mode: int) -> None:
    """Replace one file atomically (a reader sees the old or the new, never half), keeping
    the old file's owner and group where allowed: the broker must still read it."""
    staging = path.with_name(f".{path.name}.new")
    write_file(staging, content, mode)
    try:
        old = path.stat()
        os.chown(staging, old.st_uid, old.st_gid)
        os.chmod(staging, old.st_mode & 0o777)
    except (FileNotFoundError, PermissionError):
        pass
    os.replace(staging, path)


@contextmanager
def staged_directory(target: Path) -> Iterator[Path]:
    """Yield an empty folder to fill; on success it replaces `target`, on an error it is
    removed and `target` is untouched."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    os.chmod(staging, 0o700)
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    previous = target.with_name(f".{target.name}.old")
    shutil.rmtree(previous, ignore_errors=True)
    if target.exists():
        os.replace(target, previous)
    os.replace(staging, target)
    shutil.rmtree(previous, ignore_errors=True)
