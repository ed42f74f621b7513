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
import tempfile
from typing import TYPE_CHECKING, Any

from nn.checks import check_names, is_number

if TYPE_CHECKING:
    from nn.module import Module

FORMAT = "chainrule-model"
VERSION = 1


def save(model: Module, path: str | os.PathLike[str]) -> None:
    """Write `model` to `path` as JSON, atomically.

    The JSON goes to a temporary file in the same directory, which then replaces `path`
    in one `os.replace`: a crash or error mid-write leaves any existing file untouched.
    Non-finite parameters raise `ValueError` (JSON has no NaN).
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
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    # mkstemp makes the file private (0600); keep an existing file's mode, else 0644.
    mode = os.stat(path).st_mode & 0o777 if os.path.exists(path) else 0o644
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        os.chmod(tmp, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(payload, f, indent=1, allow_nan=False)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def load(model: Module, path: str | os.PathLike[str]) -> None:
    """Set `model`'s parameters from a file written by `save` for the same architecture.

    Raises `ValueError` naming the problem (not JSON, truncated, wrong format or version,
    another architecture, missing, extra or non-number parameters) and leaves the model
    unchanged; a missing file raises `FileNotFoundError`.
    """
    payload = read(path)
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


def read(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Parse and check a model file without applying it: ``{"architecture": ..., ...}``.

    Everything `load` needs to trust is checked here: the JSON itself, the format marker,
    the version, and that every parameter is a finite number.
    """
    where = f"load {os.fspath(path)!r}"
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError:
        raise ValueError(f"{where}: not a chainrule model file (not UTF-8 text).") from None
    try:
        payload = json.loads(text, parse_constant=_reject_constant)
    except ValueError as err:  # JSONDecodeError, or the NaN/Infinity refused below
        raise ValueError(
            f"{where}: not a chainrule model file (invalid or truncated JSON: {err})."
        ) from None
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
