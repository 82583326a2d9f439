"""An emulated Raspberry Pi OS (aarch64, Debian bookworm) to run the nodes in, built once
into a cache folder and reused:

* `debian_root()`: Debian bookworm's arm64 `python3.11` and the libraries it and the
  node wheels load, fetched with `apt-get download` and unpacked with `dpkg -x`; plus
  the `lgpio` module where Raspberry Pi OS's python3-lgpio puts it.
* `role_site(role)`: the aarch64 wheels pip resolves for one node role's extra
  (`kezek[button]`, ...), installed with `pip install --target`.
* `kezek_site(directory)`: this source tree built as a wheel and installed the same way,
  so the packaging (package data, entry points) is what runs.
* `Emulator`: runs the arm64 python under `qemu-aarch64-static` in a private mount
  namespace whose /proc/cpuinfo is a Raspberry Pi 4's (qemu-user shows the host's, and
  onnxruntime's cpuinfo library crashes on an x86 one), optionally in a working
  directory mounted read-only there (what `/` is to a service's unprivileged user).

apt runs with its own state and cache folders under the cache and the system's Debian
sources: it downloads arm64 packages, signature-checked as usual, without
`dpkg --add-architecture arm64`, which would make every later `apt-get update` of this
machine fetch arm64 indexes and needs root. Nothing here changes the system.

The cache is `$KEZEK_AARCH64_CACHE`, else `$XDG_CACHE_HOME/kezek/aarch64`, else
`~/.cache/kezek/aarch64`. Each part is built in a temporary folder under a lock and
renamed into place when complete, so concurrent runs wait for each other and an
interrupted build is started again, never used half-made."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CPUINFO = HERE / "pi4-cpuinfo.txt"
QEMU = "qemu-aarch64-static"
CPU = "cortex-a72"  # a Pi 4's; cortex-a53 for a Zero 2 W or a Pi 3
PYTHON_VERSION = "3.11"  # Raspberry Pi OS bookworm's

# What Debian's python3.11 loads (its own Depends, unpacked without dpkg's help), what
# the node wheels link against (libstdc++ and libgcc for onnxruntime, numpy, pydantic-core)
# and the time zone database the terminal dates its tickets with.
DEBIAN_PACKAGES = (
    "python3.11-minimal", "libpython3.11-minimal", "libpython3.11-stdlib", "python3.11",
    "media-types", "tzdata",
    "libc6", "libgcc-s1", "libstdc++6", "libexpat1", "zlib1g", "libssl3", "libffi8",
    "libsqlite3-0", "libbz2-1.0", "liblzma5", "libuuid1", "libcrypt1", "libdb5.3",
    "libncursesw6", "libtinfo6", "libreadline8", "libnsl2", "libtirpc3",
    "libgssapi-krb5-2", "libkrb5-3", "libk5crypto3", "libkrb5support0", "libcom-err2",
    "libkeyutils1",
)
# Raspberry Pi OS's python3-lgpio (lgpio 0.2.2) lives in the Raspberry Pi archive, not
# in Debian's: PyPI's aarch64 wheel of the same release stands in for it, installed where
# the package installs (/usr/lib/python3/dist-packages, the system site-packages that a
# node's venv made with --system-site-packages sees).
LGPIO = "lgpio==0.2.2.0"
SYSTEM_SITE = Path("usr/lib/python3/dist-packages")

# manylinux tags a bookworm (glibc 2.36) aarch64 system accepts: pip's --platform does not
# widen a manylinux tag to the older glibc versions, so each one is named.
PLATFORMS = tuple([f"manylinux_2_{minor}_aarch64" for minor in range(36, 16, -1)]
                  + ["manylinux2014_aarch64", "linux_aarch64"])
ROLES = ("button", "terminal", "display", "doctor")
# Pure-Python source distributions in a role's closure: built here into wheels, since
# the aarch64 resolve takes wheels only (num2words depends on docopt, never released as
# a wheel).
SOURCE_ONLY = ("docopt",)


# A cached part another key replaced is removed once it has not been used this long.
STALE_DAYS = 14


def cache_dir() -> Path:
    explicit = os.environ.get("KEZEK_AARCH64_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kezek" / "aarch64"


def _key(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:12]


@contextlib.contextmanager
def _locked(cache: Path) -> Iterator[None]:
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _run(command: Sequence[str | Path], **kwargs: object) -> None:
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True,
                            check=False, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed ({result.returncode}):\n"
                           f"{result.stdout[-3000:]}{result.stderr[-3000:]}")


def _used(target: Path) -> Path:
    """Marks a cached part as used now and removes its siblings (other keys of the same
    part) unused for STALE_DAYS: a changed extra does not pile up wheels forever, and a
    part another checkout still uses is left alone."""
    os.utime(target)
    prefix = target.name.rsplit("-", 1)[0] + "-"
    for sibling in target.parent.glob(f"{prefix}*"):
        if sibling != target and not sibling.name.startswith(".") and \
                time.time() - sibling.stat().st_mtime > STALE_DAYS * 86400:
            shutil.rmtree(sibling, ignore_errors=True)
    return target


@contextlib.contextmanager
def _building(target: Path) -> Iterator[Path]:
    """A fresh folder beside `target`, renamed to it when the block completes."""
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        yield scratch
        scratch.rename(target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# Debian's python3.11 for arm64 --------------------------------------------------------


def _apt_options(apt: Path) -> list[str]:
    return ["-o", "APT::Architecture=arm64", "-o", "APT::Architectures::=arm64",
            "-o", f"Dir::State={apt / 'state'}", "-o", "Dir::State::status=/dev/null",
            "-o", f"Dir::Cache={apt / 'cache'}", "-o", "Debug::NoLocking=1",
            "-o", "APT::Sandbox::User=root"]


def debian_root(cache: Path | None = None) -> Path:
    """The unpacked arm64 system: `<root>/usr/bin/python3.11` and its libraries."""
    cache = cache or cache_dir()
    root = cache / f"root-{_key(DEBIAN_PACKAGES, LGPIO, PLATFORMS)}"
    if (root / "usr/bin/python3.11").exists():
        return _used(root)
    with _locked(cache):
        if (root / "usr/bin/python3.11").exists():
            return _used(root)
        apt = cache / "apt"
        for folder in ("state/lists/partial", "cache/archives/partial"):
            (apt / folder).mkdir(parents=True, exist_ok=True)
        options = _apt_options(apt)
        _run(["apt-get", *options, "-qq", "update"])
        with _building(root) as scratch:
            debs = scratch / ".debs"
            debs.mkdir()
            _run(["apt-get", *options, "-qq", "download", *DEBIAN_PACKAGES], cwd=debs)
            for deb in sorted(debs.glob("*.deb")):
                _run(["dpkg-deb", "-x", deb, scratch])
            shutil.rmtree(debs)
            _run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                  "--only-binary=:all:", *_platform_options(),
                  "--target", scratch / SYSTEM_SITE, LGPIO])
        return _used(root)


# The aarch64 wheels of each role ------------------------------------------------------


def _platform_options() -> list[str]:
    options = [f"--platform={platform}" for platform in PLATFORMS]
    return [*options, "--implementation=cp", f"--python-version={PYTHON_VERSION}"]


def role_requirements(role: str, pyproject: Path = PROJECT / "pyproject.toml") -> list[str]:
    """What `pip install kezek[<role>]` installs besides kezek: the project's own
    dependencies and the extra's, with `kezek[...]` references followed."""
    project = tomllib.loads(pyproject.read_text())["project"]
    extras: dict[str, list[str]] = project["optional-dependencies"]
    wanted = list(project["dependencies"])
    pending, seen = [role], set()
    while pending:
        extra = pending.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for requirement in extras[extra]:
            if requirement.startswith("kezek["):
                pending += requirement.removeprefix("kezek[").split("]")[0].split(",")
            else:
                wanted.append(requirement)
    return sorted(set(wanted))


def role_site(role: str, cache: Path | None = None) -> Path:
    """The wheels of `kezek[<role>]` (without kezek) for aarch64 cp311, installed."""
    cache = cache or cache_dir()
    requirements = role_requirements(role)
    site = cache / f"site-{role}-{_key(requirements, PLATFORMS, PYTHON_VERSION)}"
    if (site / ".complete").exists():
        return _used(site)
    with _locked(cache):
        if (site / ".complete").exists():
            return _used(site)
        with _building(site) as scratch:
            wheels = scratch / ".wheels"
            _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                  "--wheel-dir", wheels, *SOURCE_ONLY])
            listing = scratch / ".requirements.txt"
            listing.write_text("\n".join(requirements) + "\n")
            _run([sys.executable, "-m", "pip", "install", "--quiet", "--only-binary=:all:",
                  *_platform_options(), "--find-links", wheels, "--target", scratch,
                  "--requirement", listing])
            shutil.rmtree(wheels)
            (scratch / ".complete").write_text("\n".join(requirements) + "\n")
        return _used(site)


def install_size(site: Path) -> int:
    """Bytes on disk of an installed site, as `du` counts them."""
    return sum(path.lstat().st_blocks * 512 for path in site.rglob("*"))


def kezek_site(directory: Path) -> Path:
    """This source tree as the wheel `kezek-provision generate --wheel` ships, installed
    into `directory` (pure Python: the same wheel on every platform). Built from a copy
    so the working tree gets no build/ folder."""
    source = directory / "source"
    shutil.copytree(PROJECT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "tests", "bench", "docs", "scripts", "build", "dist", "*.egg-info",
        "__pycache__", ".*_cache", "test-artifacts"))
    wheels = directory / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir",
          wheels, source])
    (wheel,) = wheels.glob("kezek-*.whl")
    site = directory / "site"
    _run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", site,
          wheel])
    shutil.rmtree(source)
    return site


# Running under qemu ---------------------------------------------------------------------


def unavailable_reason() -> str | None:
    """Why this machine cannot emulate the Pi, or None when it can."""
    for tool in (QEMU, "unshare", "apt-get", "dpkg-deb"):
        if shutil.which(tool) is None:
            hint = " (Debian package qemu-user-static)" if tool == QEMU else ""
            return f"{tool} is not installed{hint}"
    try:
        namespace_prefix()
    except RuntimeError as error:
        return str(error)
    return None


_PREFIX: list[str] | None = None


def namespace_prefix() -> list[str]:
    """`unshare -m` (root) or `unshare -rm` (a user namespace, for a user that may make
    one): a private mount namespace in which /proc/cpuinfo can be bind-mounted."""
    global _PREFIX
    if _PREFIX is not None:
        return _PREFIX
    tried = []
    for prefix in (["unshare", "-m"], ["unshare", "-rm"]):
        result = subprocess.run([*prefix, "sh", "-c",
                                 f'mount --bind "{CPUINFO}" /proc/cpuinfo && '
                                 "grep -q 'Raspberry Pi' /proc/cpuinfo"],
                                capture_output=True, text=True, check=False)
        if result.returncode == 0:
            _PREFIX = prefix
            return prefix
        tried.append(f"{' '.join(prefix)}: {result.stderr.strip() or result.returncode}")
    raise RuntimeError("no private mount namespace for a Pi's /proc/cpuinfo: "
                       + "; ".join(tried))


class Emulator:
    """Runs Debian's arm64 python3.11 as a Raspberry Pi 4 would, with `paths` on its
    PYTHONPATH. Child processes the program starts with `sys.executable` go through
    `child_python`, a script that runs qemu again, as binfmt_misc would."""

    def __init__(self, root: Path, work: Path) -> None:
        self.root = root
        self.qemu = shutil.which(QEMU) or QEMU
        self.python = root / "usr/bin/python3.11"
        work.mkdir(parents=True, exist_ok=True)
        self.child_python = work / "python3.11-aarch64"
        self.child_python.write_text(
            "#!/bin/sh\n# The emulated python, for processes the emulated python starts.\n"
            f'exec "{self.qemu}" -L "{root}" -cpu {CPU} "{self.python}" "$@"\n')
        self.child_python.chmod(0o755)

    def command(self, arguments: Sequence[str | Path], *,
                read_only_cwd: Path | None = None) -> list[str]:
        """The emulated python with `arguments`, in its namespace. `read_only_cwd` is
        bind-mounted read-only there and made the working directory (entered after the
        mount, or the process would keep the writable one underneath): a directory the
        program cannot write to, as `/` is for a service user."""
        script = 'mount --bind "$1" /proc/cpuinfo && shift && exec "$@"'
        folders = [str(CPUINFO)]
        if read_only_cwd is not None:
            script = ('mount --bind "$1" /proc/cpuinfo && mount --bind "$2" "$2" && '
                      'mount -o remount,bind,ro "$2" && cd "$2" && shift 2 && exec "$@"')
            folders.append(str(read_only_cwd))
        return [*namespace_prefix(), "sh", "-c", script, "sh", *folders, self.qemu,
                "-L", str(self.root), "-cpu", CPU, str(self.python),
                *(str(argument) for argument in arguments)]

    def environment(self, paths: Sequence[Path], extra: Mapping[str, str] | None = None
                    ) -> dict[str, str]:
        """A clean environment: nothing of the host's Python (PYTHONPATH, venv) leaks."""
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"),
               "LANG": "C.UTF-8", "PYTHONPATH": os.pathsep.join(str(p) for p in paths),
               "KEZEK_TEST_CHILD_PYTHON": str(self.child_python)}
        return env | dict(extra or {})

    def run(self, arguments: Sequence[str | Path], paths: Sequence[Path], *,
            env: Mapping[str, str] | None = None, timeout: float = 120,
            cwd: Path | None = None, read_only_cwd: bool = False
            ) -> subprocess.CompletedProcess[str]:
        """`read_only_cwd`: `cwd` (required then) made read-only for the program."""
        if read_only_cwd and cwd is None:
            raise ValueError("read_only_cwd needs a cwd")
        command = self.command(arguments, read_only_cwd=cwd if read_only_cwd else None)
        return subprocess.run(command, env=self.environment(paths, env),
                              capture_output=True, text=True, timeout=timeout, cwd=cwd,
                              check=False)

    def start(self, arguments: Sequence[str | Path], paths: Sequence[Path], *,
              env: Mapping[str, str] | None = None, log: Path,
              cwd: Path | None = None) -> subprocess.Popen[str]:
        """A long-running program: stdin and stdout are pipes, stderr goes to `log`."""
        with log.open("w") as errors:
            return subprocess.Popen(self.command(arguments),
                                    env=self.environment(paths, env), cwd=cwd,
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=errors, text=True, bufsize=1)
