"""Hostile model files, saves killed half-way, symlinks and permissions.

Every case checks that the model and the files that should survive are unchanged."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from nn.layers import MLP
from nn.serialize import MAX_BYTES, load, read, save

ROOT = Path(__file__).parent.parent.parent


def values(model: MLP) -> list[float]:
    return [p.data for p in model.parameters()]


def temp_files(directory: Path) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name.endswith(".tmp"))


@pytest.fixture
def umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


# ---- hostile files ------------------------------------------------------------------------------
def test_a_file_nested_100k_brackets_deep_is_a_value_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    model = MLP(2, [3, 1], rng=0)
    before = values(model)
    with pytest.raises(ValueError, match=r"not a chainrule model file \(nested too deeply"):
        model.load(path)
    assert values(model) == before


def test_a_symlink_to_dev_zero_is_read_only_up_to_the_size_cap(tmp_path: Path) -> None:
    link = tmp_path / "zero.json"
    link.symlink_to("/dev/zero")
    model = MLP(2, [3, 1], rng=0)
    before = values(model)
    with pytest.raises(ValueError, match=r"larger than the 4,096-byte cap \(max_bytes\)"):
        load(model, link, max_bytes=4096)
    assert values(model) == before


def test_an_oversized_file_is_refused_before_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with open(path, "wb") as f:
        f.truncate(MAX_BYTES + 1)  # sparse: no disk used, and never read
    with pytest.raises(ValueError, match=rf"is {MAX_BYTES + 1:,} bytes, larger than the "
                                         rf"{MAX_BYTES:,}-byte cap"):
        read(path)


def test_a_large_model_fits_under_the_default_cap_and_the_cap_is_a_parameter(
    tmp_path: Path,
) -> None:
    assert MAX_BYTES == 256 * 2**20
    model = MLP(2, [3, 1], rng=0)
    path = tmp_path / "model.json"
    model.save(path)
    size = path.stat().st_size
    read(path, max_bytes=size)
    with pytest.raises(ValueError, match="cap"):
        read(path, max_bytes=size - 1)
    model.load(path, max_bytes=size)


# ---- symlinks and permissions -------------------------------------------------------------------
def test_saving_through_a_symlink_writes_the_target_and_keeps_the_link(tmp_path: Path) -> None:
    real_dir = tmp_path / "store"
    real_dir.mkdir()
    target = real_dir / "model.json"
    MLP(2, [3, 1], rng=0).save(target)
    link = tmp_path / "current.json"
    link.symlink_to(target)
    new = MLP(2, [3, 1], rng=1)
    new.save(link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    loaded = MLP(2, [3, 1], rng=2)
    loaded.load(target)
    assert values(loaded) == values(new)
    assert temp_files(real_dir) == [] and temp_files(tmp_path) == []


def test_a_dangling_symlink_is_saved_to_the_file_it_names(tmp_path: Path) -> None:
    link = tmp_path / "model.json"
    link.symlink_to(tmp_path / "made-later.json")
    MLP(2, [3, 1], rng=0).save(link)
    assert link.is_symlink() and (tmp_path / "made-later.json").is_file()


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_mode_the_umask_allows(tmp_path: Path, umask: None, mask: int,
                                                  mode: int) -> None:
    os.umask(mask)
    path = tmp_path / "model.json"
    MLP(2, [3, 1], rng=0).save(path)
    assert stat.S_IMODE(path.stat().st_mode) == mode


def test_an_existing_files_mode_is_kept_whatever_the_umask(tmp_path: Path, umask: None) -> None:
    path = tmp_path / "model.json"
    MLP(2, [3, 1], rng=0).save(path)
    path.chmod(0o640)
    os.umask(0o077)
    MLP(2, [3, 1], rng=1).save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


# ---- a save killed half-way ---------------------------------------------------------------------
# The child saves over an existing file; its fsync (the data is written, not yet in place)
# says so on stdout and waits for a SIGKILL that the parent sends once it has read that line.
KILLED_SAVE = textwrap.dedent("""
    import os, signal, sys
    from nn.layers import MLP

    def announce_and_wait(fd):
        print("writing", flush=True)
        signal.pause()

    os.fsync = announce_and_wait
    MLP(2, [3, 1], rng=7).save(sys.argv[1])
""")


def kill_during_save(path: Path) -> int:
    child = subprocess.Popen([sys.executable, "-c", KILLED_SAVE, str(path)],
                             stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert child.stdout is not None
    assert child.stdout.readline() == "writing\n"
    child.send_signal(signal.SIGKILL)
    assert child.wait(timeout=60) == -signal.SIGKILL
    return child.pid


def test_a_save_killed_half_way_leaves_the_old_file_and_the_next_save_removes_its_litter(
    tmp_path: Path,
) -> None:
    path = tmp_path / "model.json"
    MLP(2, [3, 1], rng=0).save(path)
    original = path.read_bytes()
    pid = kill_during_save(path)
    assert path.read_bytes() == original  # the old file is intact
    (litter,) = temp_files(tmp_path)
    assert litter.startswith(f".model.json.{pid}.")  # recognisable: target and process
    MLP(2, [3, 1], rng=1).save(path)
    assert temp_files(tmp_path) == []
    loaded = MLP(2, [3, 1], rng=2)
    loaded.load(path)
    assert values(loaded) == values(MLP(2, [3, 1], rng=1))


def test_a_save_removes_only_dead_processes_litter_of_its_own_target(tmp_path: Path) -> None:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
    dead = int(finished.stdout)
    stale = tmp_path / f".model.json.{dead}.abc123.tmp"
    live = tmp_path / f".model.json.{os.getpid()}.def456.tmp"  # a save still running here
    other = tmp_path / f".other.json.{dead}.abc123.tmp"  # another target's
    unrelated = tmp_path / ".model.json.notes.tmp"  # not a name save() makes
    for p in (stale, live, other, unrelated):
        p.write_text("{")
    save(MLP(2, [3, 1], rng=0), tmp_path / "model.json")
    assert not stale.exists()
    assert live.exists() and other.exists() and unrelated.exists()
    assert json.loads((tmp_path / "model.json").read_text())["format"] == "chainrule-model"
