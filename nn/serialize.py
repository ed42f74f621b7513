"""Save a model to JSON and load it back: exact floats, atomic writes, strict checks.

A file holds a format marker and version, the model's architecture (`Module.describe`)
and every parameter by its dotted name:

    {"format": "chainrule-model", "version": 1,
     "architecture": {"type": "MLP", "nin": 2, "nouts": [16, 1], ...},
     "parameters": {"layers.0.neurons.0.w.0": 0.6888437030500962, ...}}

JSON writes each float as its shortest repr, which reads back as the very same float.
Loading only parses JSON (never pickle), so a model file cannot run code; and it checks the
whole file before touching the model, so a bad file raises `ValueError` and changes nothing.

    >>> import tempfile, os
    >>> from nn.layers import MLP
    >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
    >>> a, b = MLP(2, [3, 1], rng=1), MLP(2, [3, 1], rng=2)
    >>> save(a, path); load(b, path)
    >>> a.state_dict() == b.state_dict()
    True
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import secrets
import stat
from typing import TYPE_CHECKING, Any

from nn.checks import check_names, int_at_least, is_number

if TYPE_CHECKING:
    from nn.module import Module

FORMAT = "chainrule-model"
VERSION = 1
# The largest file `read` accepts unless told otherwise: 256 MiB, about 6 million
# parameters at some 40 bytes each, far beyond a scalar engine's models, and a bound on
# what a hostile file (or a link to /dev/zero) can make us read and parse.
MAX_BYTES = 256 * 2**20


def save(model: Module, path: str | os.PathLike[str]) -> None:
    """Write `model` to `path` as JSON, atomically.

    What a save guarantees:

    - The JSON goes to a temporary file next to the target, ``.model.json.<pid>.<random>
      .tmp``, which then replaces the target in one `os.replace`: a crash, an error or a
      kill -9 mid-write leaves any existing file untouched.
    - A symlink is followed: the file it names is replaced and the link stays a link.
    - An existing file keeps its mode; a new one gets 0666 less the umask, as any file.
    - A temporary file that a killed save left for the same target, from a process that is
      no longer running, is removed by the next save (POSIX only).

    Non-finite parameters raise `ValueError` (JSON has no NaN), before anything is written.
    """
    state = model.state_dict()
    for name, value in state.items():
        if not math.isfinite(value):
            raise ValueError(
                f"save: parameter {name!r} is {value!r}; JSON cannot hold it, so the model "
                "was not saved (see autograd.detect_anomaly to find where it diverged)."
            )
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "architecture": model.describe(),
        "parameters": state,
    }
    target = os.path.realpath(path)  # through any symlinks, to the file they name
    directory, base = os.path.split(target)
    _remove_stale_temp_files(directory, base)
    existing_mode = _mode_of(target)
    tmp = os.path.join(directory, f".{base}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    # O_EXCL: never someone else's file; mode 0o666 is narrowed by the umask, as open().
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        if existing_mode is not None:
            os.fchmod(fd, existing_mode)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(payload, f, indent=1, allow_nan=False)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:  # any way out (Ctrl-C included) removes the temp file, then re-raises
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _sync_directory(directory)


def _mode_of(path: str) -> int | None:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return None


def _remove_stale_temp_files(directory: str, base: str) -> None:
    """Delete ``.<base>.<pid>.<random>.tmp`` files whose process is gone (a killed save)."""
    if os.name != "posix":  # no way here to ask whether a pid is running
        return
    pattern = re.compile(rf"\.{re.escape(base)}\.(\d+)\.\w+\.tmp")
    for name in os.listdir(directory):
        match = pattern.fullmatch(name)
        if match and not _running(int(match.group(1))):
            with contextlib.suppress(FileNotFoundError):  # another save removed it first
                os.unlink(os.path.join(directory, name))


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True  # another thread of this process may be saving right now
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, as another user
    return True


def _sync_directory(directory: str) -> None:
    # The rename itself is made durable by syncing the directory (POSIX only).
    if os.name == "posix":
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def load(model: Module, path: str | os.PathLike[str], max_bytes: int = MAX_BYTES) -> None:
    """Set `model`'s parameters from a file written by `save` for the same architecture.

    Raises `ValueError` naming the problem (not JSON, truncated, nested too deeply, larger
    than `max_bytes`, wrong format or version, another architecture, missing, extra or
    non-number parameters) and leaves the model unchanged; a missing file raises
    `FileNotFoundError`.
    """
    payload = read(path, max_bytes)
    where = f"load {os.fspath(path)!r}"
    expected = model.describe()
    if payload["architecture"] != expected:
        raise ValueError(
            f"{where}: the file holds a different architecture, {payload['architecture']!r}; "
            f"this model is {expected!r}. Nothing was changed."
        )
    params = payload["parameters"]
    check_names(model.state_dict(), params, where)
    model.load_state_dict(params)


def read(path: str | os.PathLike[str], max_bytes: int = MAX_BYTES) -> dict[str, Any]:
    """Parse and check a model file without applying it: ``{"architecture": ..., ...}``.

    Everything `load` needs to trust is checked here: the size (at most `max_bytes`,
    `MAX_BYTES` by default: a file above it is refused before it is read, and a device
    or pipe is read no further), the JSON itself and its depth, the format marker, the
    version, and that every parameter is a finite number.
    """
    where = f"load {os.fspath(path)!r}"
    max_bytes = int_at_least("load", "max_bytes", max_bytes, 1)
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size > max_bytes:
            raise ValueError(f"{where}: the file is {size:,} bytes, larger than the "
                             f"{max_bytes:,}-byte cap (max_bytes); pass a larger max_bytes "
                             "if it is a model file you trust.")
        data = f.read(max_bytes + 1)  # /dev/zero and pipes have no size to check first
    if len(data) > max_bytes:
        raise ValueError(f"{where}: the file is larger than the {max_bytes:,}-byte cap "
                         "(max_bytes); nothing more was read.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{where}: not a chainrule model file (not UTF-8 text).") from None
    try:
        payload = json.loads(text, parse_constant=_reject_constant)
    except ValueError as err:  # JSONDecodeError, or the NaN/Infinity refused below
        raise ValueError(
            f"{where}: not a chainrule model file (invalid or truncated JSON: {err})."
        ) from None
    except RecursionError:
        raise ValueError(f"{where}: not a chainrule model file (nested too deeply to be "
                         "one).") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{where}: not a chainrule model file (no \"format\": {FORMAT!r}).")
    if payload.get("version") != VERSION:
        raise ValueError(
            f"{where}: file format version {payload.get('version')!r} is not supported; "
            f"this chainrule reads version {VERSION}."
        )
    for key in ("architecture", "parameters"):
        if not isinstance(payload.get(key), dict):
            raise ValueError(f"{where}: the file has no {key!r} object.")
    for name, value in payload["parameters"].items():
        if not is_number(value) or not math.isfinite(_as_float(value)):
            raise ValueError(
                f"{where}: parameter {name!r} must be a number, got "
                f"{type(value).__name__} {value!r}. Nothing was changed."
            )
    return payload


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def _as_float(value: Any) -> float:
    try:
        return float(value)
    except OverflowError:  # an integer literal too large for a float
        return math.inf
