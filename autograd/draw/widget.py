"""Step through backpropagation in Jupyter: a slider and buttons that redraw the graph.

`step_through(root)` shows ``draw_graph(root, backward_step=k)`` for the step k chosen
with a slider or the ◀ ▶ buttons, captioned with that step's chain-rule update
(``x2*w2.grad += 1 × 0.5 = 0.5``). It needs ipywidgets (the `notebooks` extra) and the
Graphviz `dot` program. A viewer without a kernel (GitHub, nbviewer, an exported HTML
page) cannot run the slider, so the output also carries a static version: the graph after
the last step, with every step listed.

    >>> from autograd.draw.graph import neuron
    >>> stepper = step_through(neuron())      # the cell's last line: shows the widget
    >>> stepper.step, stepper.next_button.click(), stepper.step
    (0, None, 1)
"""

from __future__ import annotations

import html
from typing import Any

from autograd.draw.graph import draw_graph
from autograd.draw.steps import backward_steps
from autograd.value import Value

MAX_LISTED = 200  # steps listed in the static version; a longer pass lists its ends


def _ipywidgets() -> Any:
    try:
        import ipywidgets
    except ImportError:
        raise ImportError(
            "step_through: needs ipywidgets; install it with pip install ipywidgets "
            "(or pip install 'chainrule[notebooks]')."
        ) from None
    return ipywidgets


class BackpropStepper:
    """The widget `step_through` returns; Jupyter shows it when it is a cell's value.

    Attributes:
        steps: every `BackwardStep` of ``backward_steps(root)``.
        slider, previous_button, next_button: the controls (ipywidgets).
        caption, picture: HTML widgets holding the step's text and its SVG drawing.
        widget: the whole box, to place inside your own layout.
    """

    def __init__(self, root: Value, **draw_options: Any) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"step_through: expected a Value, got {type(root).__name__}.")
        if "backward_step" in draw_options:
            raise TypeError("step_through: backward_step is what the slider sets; "
                            "leave it out.")
        widgets = _ipywidgets()
        self.root = root
        self.options = draw_options
        self.steps = list(backward_steps(root))
        self._svgs: dict[int, str] = {}
        last = len(self.steps) - 1
        self.slider = widgets.IntSlider(value=0, min=0, max=last, description="step",
                                        continuous_update=False)
        self.previous_button = widgets.Button(description="◀ previous",
                                              layout=widgets.Layout(width="110px"))
        self.next_button = widgets.Button(description="next ▶",
                                          layout=widgets.Layout(width="110px"))
        self.caption = widgets.HTML()
        self.picture = widgets.HTML()
        self.slider.observe(lambda change: self._show(change["new"]), names="value")
        self.previous_button.on_click(lambda _: self.go(self.step - 1))
        self.next_button.on_click(lambda _: self.go(self.step + 1))
        self.widget = widgets.VBox([
            widgets.HBox([self.previous_button, self.slider, self.next_button]),
            self.caption, self.picture,
        ])
        self._show(0)

    @property
    def step(self) -> int:
        """The step shown now."""
        return int(self.slider.value)

    def go(self, k: int) -> None:
        """Show step `k`, kept within 0 .. len(steps) - 1 (as the buttons do)."""
        self.slider.value = min(max(k, 0), len(self.steps) - 1)

    def svg(self, k: int) -> str:
        """The drawing after step `k`, as SVG text (drawn once, then kept)."""
        if k not in self._svgs:
            graph = draw_graph(self.root, backward_step=k, **self.options)
            text = graph.pipe(format="svg", encoding="utf-8")
            self._svgs[k] = text[text.find("<svg"):]  # no XML prolog inside HTML
        return self._svgs[k]

    def _show(self, k: int) -> None:
        self.picture.value = self.svg(k)
        self.caption.value = f"<code>{html.escape(str(self.steps[k]))}</code>"
        self.previous_button.disabled = k == 0
        self.next_button.disabled = k == len(self.steps) - 1

    def static_html(self) -> str:
        """The version for viewers without a kernel: the last step's drawing, then every
        step in order (the ends of a long pass)."""
        listed = [str(step) for step in self.steps]
        if len(listed) > MAX_LISTED:
            half = MAX_LISTED // 2
            listed = [*listed[:half], f"… {len(listed) - 2 * half} more steps …",
                      *listed[-half:]]
        items = "".join(f"<li><code>{html.escape(line)}</code></li>" for line in listed)
        return (f"<p>Backprop, step by step ({len(self.steps)} steps; run the notebook "
                f"to use the slider). After the last step:</p>{self.svg(len(self.steps) - 1)}"
                f'<ol start="0" style="font-size: small">{items}</ol>')

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        # A live notebook renders the widget view; a static viewer, which cannot, falls
        # back to the HTML that is stored beside it.
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/html"] = self.static_html()
        return bundle

    def __repr__(self) -> str:
        return f"BackpropStepper({len(self.steps)} steps, showing step {self.step})"


def step_through(root: Value, **draw_options: Any) -> BackpropStepper:
    """A Jupyter widget stepping through ``root.backward()`` one chain-rule update at a time.

    `draw_options` are `draw_graph`'s (``fmt=".3g"``, ``rankdir="TB"``, ``scopes=``...).
    No ``.grad`` is changed: the steps come from `backward_steps`.

        >>> from autograd import Value
        >>> x = Value(3.0, label="x"); y = x * x
        >>> stepper = step_through(y, fmt=".3g")
        >>> len(stepper.steps), stepper.caption.value
        (3, '<code>step 0: seed the root: grad = 1</code>')
    """
    return BackpropStepper(root, **draw_options)
