"""`step_through`: the backprop widget's logic, driven through its callbacks (no browser)."""

from __future__ import annotations

import builtins
from typing import Any

import pytest

from autograd.draw.graph import neuron
from autograd.draw.steps import backward_steps
from autograd.draw.style import CURRENT_BORDER
from autograd.draw.widget import MAX_LISTED, step_through
from autograd.value import Value


def test_it_opens_on_the_seed_step_with_previous_disabled() -> None:
    stepper = step_through(neuron())
    assert stepper.step == 0 and stepper.slider.max == len(stepper.steps) - 1
    assert "step 0: seed the root" in stepper.caption.value
    assert stepper.picture.value.startswith("<svg")
    assert stepper.previous_button.disabled and not stepper.next_button.disabled


def test_next_and_previous_move_one_step_and_redraw() -> None:
    out = neuron()
    steps = list(backward_steps(out))
    stepper = step_through(out)
    first = stepper.picture.value
    stepper.next_button.click()
    stepper.next_button.click()
    assert stepper.step == 2
    assert str(steps[2]) in stepper.caption.value.replace("&#x27;", "'")
    assert stepper.picture.value != first
    assert stepper.picture.value == stepper.svg(2)
    assert CURRENT_BORDER in stepper.picture.value  # the current step is outlined
    stepper.previous_button.click()
    assert stepper.step == 1 and "step 1:" in stepper.caption.value


def test_the_slider_shows_any_step_and_the_buttons_stop_at_the_ends() -> None:
    stepper = step_through(neuron())
    last = len(stepper.steps) - 1
    stepper.slider.value = last
    assert f"step {last}:" in stepper.caption.value
    assert stepper.next_button.disabled and not stepper.previous_button.disabled
    stepper.next_button.click()  # at the end, next stays there
    stepper.go(last + 5)
    assert stepper.step == last
    stepper.go(-3)
    assert stepper.step == 0


def test_drawing_options_reach_every_step_and_grads_are_untouched() -> None:
    out = neuron()
    stepper = step_through(out, rankdir="TB", fmt=".2f")
    stepper.go(4)
    assert "data 0.88" in stepper.picture.value  # n = 0.8814 with .2f
    assert all(node.grad == 0.0 for node in (out, *out.parents))


def test_a_static_viewer_gets_the_last_step_and_every_step_listed() -> None:
    stepper = step_through(neuron())
    bundle = stepper._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle  # the live widget
    static = bundle["text/html"]
    assert stepper.svg(len(stepper.steps) - 1) in static
    assert static.count("<li>") == len(stepper.steps)
    assert "<?xml" not in static


def test_a_long_backward_pass_lists_its_two_ends() -> None:
    x = Value(0.3, label="x")
    h = x
    for _ in range(MAX_LISTED):
        h = h.tanh()
    stepper = step_through(h)
    static = stepper.static_html()
    assert static.count("<li>") == MAX_LISTED + 1
    assert f"… {len(stepper.steps) - MAX_LISTED} more steps …" in static


def test_bad_arguments_raise_clear_errors() -> None:
    with pytest.raises(TypeError, match="step_through: expected a Value"):
        step_through(1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="backward_step is what the slider sets"):
        step_through(neuron(), backward_step=3)


def test_without_ipywidgets_the_error_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_import = builtins.__import__

    def no_ipywidgets(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "ipywidgets":
            raise ImportError("No module named 'ipywidgets'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ipywidgets)
    with pytest.raises(ImportError, match="pip install ipywidgets"):
        step_through(neuron())
