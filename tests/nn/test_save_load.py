"""Saving and loading: exact round trips, strict all-or-nothing loads, atomic writes, no code."""

from __future__ import annotations

import json
import os
import pathlib
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from autograd.value import Value
from nn.layers import MLP, Layer, Neuron
from nn.module import Module
from nn.serialize import FORMAT, VERSION, read


def saved(model: Module, tmp_path: Path) -> Path:
    path = tmp_path / "model.json"
    model.save(path)
    return path


def snapshot(model: Module) -> list[tuple[str, Value, float]]:
    """Names, parameter objects and values, to show a failed load changed nothing."""
    return [(name, p, p.data) for name, p in model.named_parameters()]


# ---- round trips ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "build",
    [
        lambda seed: MLP(2, [16, 16, 1], rng=seed),
        lambda seed: MLP(3, [5, 4], activation="gelu", output_activation="sigmoid", rng=seed),
        lambda seed: Layer(4, 3, activation="tanh", init="xavier", rng=seed),
        lambda seed: Neuron(5, activation=None, init="he", rng=seed),
    ],
)
def test_round_trip_restores_every_parameter_exactly(
    build: Callable[[int], Module], tmp_path: Path
) -> None:
    source = build(1)
    for i, p in enumerate(source.parameters()):  # awkward floats: long reprs, tiny, huge
        p.data = p.data / 3.0 + (1e-300 if i % 3 == 0 else 0.0) + (i % 5) * 1e17 * (i % 2)
    target = build(2)
    target.load(saved(source, tmp_path))
    assert target.state_dict() == source.state_dict()
    assert all(a.data == b.data for a, b in zip(source.parameters(), target.parameters()))


def test_loaded_model_computes_the_same_outputs(tmp_path: Path) -> None:
    source, target = MLP(2, [8, 8, 3], activation="tanh", rng=3), MLP(2, [8, 8, 3],
                                                                     activation="tanh", rng=4)
    target.load(saved(source, tmp_path))
    assert [v.data for v in source([0.2, -0.9])] == [v.data for v in target([0.2, -0.9])]


def test_file_is_json_with_format_version_architecture_and_named_parameters(
    tmp_path: Path,
) -> None:
    model = MLP(2, [3, 1], rng=5)
    payload = json.loads(saved(model, tmp_path).read_text())
    assert payload["format"] == FORMAT and payload["version"] == VERSION
    assert payload["architecture"] == model.describe() == {
        "type": "MLP", "nin": 2, "nouts": [3, 1], "activation": "relu",
        "output_activation": "linear",
    }
    assert payload["parameters"] == model.state_dict()
    assert read(tmp_path / "model.json")["parameters"] == model.state_dict()


def test_saving_replaces_an_existing_file(tmp_path: Path) -> None:
    path = saved(MLP(2, [3, 1], rng=1), tmp_path)
    MLP(2, [3, 1], rng=2).save(path)
    loaded = MLP(2, [3, 1], rng=3)
    loaded.load(path)
    assert loaded.state_dict() == MLP(2, [3, 1], rng=2).state_dict()
    assert sorted(os.listdir(tmp_path)) == ["model.json"]


# ---- every bad file raises ValueError and leaves the model unchanged ----------------------------
def _edit(change: Callable[[dict[str, Any]], object]) -> Callable[[str], str]:
    def rewrite(text: str) -> str:
        payload = json.loads(text)
        change(payload)
        return json.dumps(payload)

    return rewrite


FIRST = "layers.0.neurons.0.w.0"
_marked = _edit(lambda d: d["parameters"].update({FIRST: 12345.5}))  # a spot to corrupt
BAD_FILES: dict[str, tuple[Callable[[str], str], str]] = {
    "missing key": (_edit(lambda d: d["parameters"].pop(FIRST)), "1 missing.*w.0"),
    "extra key": (_edit(lambda d: d["parameters"].update({"layers.5.b": 1.0})),
                  "1 unexpected.*layers.5.b"),
    "wrong length: list entry": (_edit(lambda d: d["parameters"].update({FIRST: [0.1, 0.2]})),
                                 "must be a number, got list"),
    "wrong shape: parameters of a wider layer": (
        _edit(lambda d: d["parameters"].update({"layers.0.neurons.3.w.0": 0.5,
                                                "layers.0.neurons.3.b": 0.0})),
        "2 unexpected"),
    "not a number: string": (_edit(lambda d: d["parameters"].update({FIRST: "0.5"})),
                             "must be a number, got str"),
    "not a number: null": (_edit(lambda d: d["parameters"].update({FIRST: None})),
                           "got NoneType"),
    "not a number: bool": (_edit(lambda d: d["parameters"].update({FIRST: True})), "got bool"),
    "not a number: NaN": (lambda text: _marked(text).replace("12345.5", "NaN"), "NaN"),
    "not a number: Infinity": (lambda text: _marked(text).replace("12345.5", "-Infinity"),
                               "Infinity"),
    "not a number: huge integer": (_edit(lambda d: d["parameters"].update({FIRST: 10**400})),
                                   "must be a number"),
    "wrong format version": (_edit(lambda d: d.update({"version": 2})),
                             "version 2 is not supported.*reads version 1"),
    "no format marker": (_edit(lambda d: d.pop("format")), "not a chainrule model file"),
    "parameters not an object": (_edit(lambda d: d.update({"parameters": [1.0, 2.0]})),
                                 "no 'parameters' object"),
    "different architecture": (_edit(lambda d: d.update({"architecture": MLP(2, [4, 1])
                                                          .describe()})),
                               "different architecture"),
    "different activation": (_edit(lambda d: d["architecture"].update({"activation": "tanh"})),
                             "different architecture"),
    "not JSON at all": (lambda text: "this is not a model\n", "invalid or truncated JSON"),
    "truncated": (lambda text: text[: len(text) // 2], "invalid or truncated JSON"),
    "empty": (lambda text: "", "invalid or truncated JSON"),
    "a JSON list": (lambda text: "[1, 2, 3]", "not a chainrule model file"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_raises_value_error_and_changes_nothing(case: str, tmp_path: Path) -> None:
    rewrite, message = BAD_FILES[case]
    path = saved(MLP(2, [3, 1], rng=1), tmp_path)
    path.write_text(rewrite(path.read_text()))
    model = MLP(2, [3, 1], rng=2)
    before = snapshot(model)
    with pytest.raises(ValueError, match=message):
        model.load(path)
    assert snapshot(model) == before


def test_a_file_from_another_model_size_is_refused(tmp_path: Path) -> None:
    path = saved(MLP(2, [4, 1], rng=1), tmp_path)
    model = MLP(2, [3, 1], rng=2)
    before = snapshot(model)
    with pytest.raises(ValueError, match="different architecture.*'nouts': \\[4, 1\\]"):
        model.load(path)
    assert snapshot(model) == before


def test_binary_garbage_raises_value_error(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_bytes(b"\xff\xfe\x00garbage\x80")
    model = MLP(2, [3, 1])
    before = snapshot(model)
    with pytest.raises(ValueError, match="not a chainrule model file"):
        model.load(path)
    assert snapshot(model) == before


def test_a_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        MLP(2, [1]).load(tmp_path / "nowhere.json")


def test_loading_never_runs_code_from_a_pickle(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
            return (pathlib.Path.touch, (marker,))

    path = tmp_path / "model.json"
    path.write_bytes(pickle.dumps(Exploit()))
    model = MLP(2, [3, 1])
    before = snapshot(model)
    with pytest.raises(ValueError, match="not a chainrule model file"):
        model.load(path)
    assert not marker.exists()
    assert snapshot(model) == before


# ---- atomic writes ----------------------------------------------------------------------------
def test_a_write_failing_halfway_leaves_the_existing_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = saved(MLP(2, [3, 1], rng=1), tmp_path)
    original = path.read_bytes()
    real_dump = json.dump

    def dump_half_then_fail(obj: Any, f: Any, **kwargs: Any) -> None:
        text = json.dumps(obj, **kwargs)
        f.write(text[: len(text) // 2])
        f.flush()
        raise RuntimeError("disk full")

    monkeypatch.setattr(json, "dump", dump_half_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        MLP(2, [3, 1], rng=2).save(path)
    monkeypatch.setattr(json, "dump", real_dump)
    assert path.read_bytes() == original
    assert os.listdir(tmp_path) == ["model.json"]  # the temporary file was removed
    loaded = MLP(2, [3, 1], rng=3)
    loaded.load(path)
    assert loaded.state_dict() == MLP(2, [3, 1], rng=1).state_dict()


def test_the_temporary_file_is_in_the_target_directory_and_replaces_it_in_one_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    moves: list[tuple[str, str]] = []
    real_replace = os.replace

    def record_replace(src: str, dst: str) -> None:
        moves.append((os.fspath(src), os.fspath(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", record_replace)
    path = saved(MLP(2, [3, 1]), tmp_path)
    ((src, dst),) = moves
    assert os.path.dirname(os.path.abspath(src)) == str(tmp_path)
    assert dst == str(path)


def test_a_nan_parameter_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    path = saved(MLP(2, [3, 1], rng=1), tmp_path)
    original = path.read_bytes()
    broken = MLP(2, [3, 1], rng=2)
    broken.layers[1].neurons[0].b.data = float("nan")
    with pytest.raises(ValueError, match="'layers.1.neurons.0.b' is nan"):
        broken.save(path)
    assert path.read_bytes() == original
    assert os.listdir(tmp_path) == ["model.json"]


def test_saving_keeps_an_existing_files_permissions(tmp_path: Path) -> None:
    path = saved(MLP(2, [3, 1]), tmp_path)
    assert path.stat().st_mode & 0o777 == 0o644
    path.chmod(0o600)
    MLP(2, [3, 1], rng=1).save(path)
    assert path.stat().st_mode & 0o777 == 0o600
