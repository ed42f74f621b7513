"""Run ``chainrule train`` in a child process and press Ctrl-C at a chosen point, on an event.

The child replaces one function of `nn.cli` by a stand-in that prints a marker and waits
for SIGINT on Python's signal wakeup pipe (so a signal that comes at once, or to another
thread, is never lost); the parent sends it only once it has read that marker, so a test
never depends on how fast the machine is.

- ``"start-up"``: building the dataset waits for Ctrl-C ("starting").
- ``"epoch"``: training waits at the end of its first epoch ("epoch 1 done"), which fit
  catches: it stops there and the run goes on to the plots and the summary.
- ``"evaluation"``: training waits after its first step ("training"), then the evaluation
  after training waits for a second Ctrl-C ("evaluating").
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).parent.parent.parent

HARNESS = textwrap.dedent("""
    import os, signal, sys
    import nn.cli as cli
    from nn.callbacks import Callback

    def wait_for_ctrl_c(marker):
        # Whichever thread the kernel hands SIGINT to (NumPy's are there once it is
        # loaded), Python writes a byte to the wakeup pipe: reading it waits for the
        # signal with no race, and the handler in place then runs here (fit's sets a
        # flag, Python's raises KeyboardInterrupt).
        read_end, write_end = os.pipe()
        os.set_blocking(write_end, False)
        previous = signal.set_wakeup_fd(write_end)
        print(marker, flush=True)
        try:
            os.read(read_end, 1)
        finally:
            signal.set_wakeup_fd(previous)
            os.close(read_end)
            os.close(write_end)

    def waiting(marker):
        def stand_in(*args, **kwargs):
            wait_for_ctrl_c(marker)
            raise AssertionError("SIGINT did not interrupt")
        return stand_in

    class Pause(Callback):
        def on_step_end(self, state):
            if where == "evaluation" and state.step == 1:
                wait_for_ctrl_c("training")  # fit catches it: it stops after this step

        def on_epoch_end(self, state):
            if where == "epoch" and state.epoch == 1:
                wait_for_ctrl_c("epoch 1 done")

    where = sys.argv[1]
    if where == "start-up":
        cli._dataset = waiting("starting")
    else:
        real_fit = cli.fit
        cli.fit = lambda *a, **k: real_fit(*a, callbacks=[Pause()], **k)
    if where == "evaluation":
        cli.evaluate = waiting("evaluating")
    sys.exit(cli.main(sys.argv[2:]))
""")


def run_and_interrupt(where: str, markers: Sequence[str],
                      args: Sequence[str]) -> tuple[int, str, str]:
    """Run ``chainrule`` with `args`, pressing Ctrl-C at each marker in turn; return the
    exit status, all of stdout and stderr."""
    child = subprocess.Popen([sys.executable, "-c", HARNESS, where, *args],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             cwd=ROOT)
    assert child.stdout is not None
    seen: list[str] = []
    for marker in markers:
        for line in child.stdout:
            seen.append(line)
            if line == f"{marker}\n":
                break
        child.send_signal(signal.SIGINT)
    rest, errors = child.communicate(timeout=300)
    return child.returncode, "".join(seen) + rest, errors
