"""How drawings look: node labels, the |grad| colour scale, and escaping for DOT.

`draw_graph` (in `graph.py`) decides what to draw; this module decides how each piece
is written. Labels are Graphviz HTML-like labels built with `html.escape`, so a user
label such as ``<x>`` or ``a"b`` is shown literally and cannot break the DOT source.

    >>> scale = GradScale([1e-6, 0.5])
    >>> scale.low, scale.high
    (-6, 0)
    >>> scale.fill(1e-6) == scale.fill(1e-6), scale.fill(0.0)
    (True, '#ffffff')
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autograd.value import Value

# Colours with one meaning each, so tests and legends can name them.
NAN_FILL = "#ff6b6b"  # a node whose data or grad is NaN or ±inf: always this, always red
NAN_BORDER = "red"
PLAIN_FILL = "#ffffff"
OP_FILL = "#eeeeee"
BOX_FILL = "#dde6f0"  # a collapsed module
# A number used in an op (a target, the 2 of x * 2): grey, and no grad shown.
CONSTANT_ATTRS = {"fillcolor": "#f2f2f2", "color": "#aaaaaa", "fontcolor": "#444444"}
DONE_BORDER = "#1f77b4"  # backward_step: nodes that have received their contributions
CURRENT_BORDER = "#ff7f0e"  # backward_step: the node and edge of the current step

# ColorBrewer YlGnBu: pale for tiny |grad| (vanishing), dark blue for large. It has no
# red, so NaN/inf nodes stay unmistakable.
_PALETTE = ((255, 255, 217), (199, 233, 180), (65, 182, 196), (34, 94, 168), (8, 29, 88))


def html_text(text: str) -> str:
    """Escape text for a Graphviz HTML-like label: ``<x>`` → ``&lt;x&gt;``.

        >>> html_text('a"<b>')
        'a&quot;&lt;b&gt;'
    """
    return html.escape(text, quote=True)


def show_number(x: float, fmt: str) -> str:
    """`x` formatted with `fmt`, negative zero shown as 0 (``0.0 * -3.0`` is ``-0.0``).

        >>> show_number(-0.0, ".4g"), show_number(-1.5, ".2f")
        ('0', '-1.50')
    """
    return format(x + 0.0, fmt)  # -0.0 + 0.0 is +0.0; every other x is unchanged


def value_label(title: str | None, lines: Iterable[str], left: bool = False) -> str:
    """An HTML-like DOT label: an optional bold title, then one line per entry.

    `title` and `lines` are plain text; they are escaped here. ``left=True`` aligns the
    lines on the left (for paragraphs), not centred.

        >>> value_label("x", ["data 2"])
        '<<b>x</b><br/>data 2>'
    """
    if left:
        body = "".join(f'{html_text(line)}<br align="left"/>' for line in lines)
        return "<" + (f"<b>{html_text(title)}</b><br/>" if title else "") + body + ">"
    parts = [f"<b>{html_text(title)}</b>"] if title else []
    parts.extend(html_text(line) for line in lines)
    return "<" + "<br/>".join(parts) + ">"


def constant_leaves(order: Sequence[Value]) -> set[Value]:
    """The leaves drawn as constants: those without a label, if any leaf has one.

    Numbers used in ops (``x * 2``, a loss's target) become unlabelled leaves, while the
    variables you name, and `nn`'s inputs and parameters (``x[0]``, ``L0.n3.w1``), carry
    labels. A graph whose leaves are all unlabelled has no constants.

        >>> from autograd.value import Value
        >>> x = Value(1.0, label="x"); two = Value(2.0); y = x * two
        >>> constant_leaves([x, two, y]) == {two}
        True
    """
    leaves = [node for node in order if not node.edges]
    if not any(node.label for node in leaves):
        return set()
    return {node for node in leaves if not node.label}


def _mix(t: float) -> str:
    """The palette colour at position t in [0, 1], as ``#rrggbb``."""
    t = min(max(t, 0.0), 1.0) * (len(_PALETTE) - 1)
    i = min(int(t), len(_PALETTE) - 2)
    frac = t - i
    low, high = _PALETTE[i], _PALETTE[i + 1]
    rgb = (round(a + (b - a) * frac) for a, b in zip(low, high))
    return "#" + "".join(f"{c:02x}" for c in rgb)


class GradScale:
    """Colours for |grad| on a log10 scale spanning the gradients of one graph.

    The scale runs from the decade of the smallest nonzero |grad| (pale) to that of the
    largest (dark blue), so a gradient that shrinks by 10x per layer shows as a fade.
    A zero gradient is white; NaN/inf get `NAN_FILL` (the caller checks that first).
    `floor` starts the colours that far along the palette, so the smallest gradient is
    still visible as a line on white (its palette end is nearly white).

        >>> GradScale([0.01, 10.0]).fill(10.0)
        '#081d58'
    """

    def __init__(self, grads: Iterable[float], floor: float = 0.0) -> None:
        self.floor = floor
        sizes = [abs(g) for g in grads if g != 0.0 and math.isfinite(g)]
        if sizes:
            self.low = math.floor(math.log10(min(sizes)))
            self.high = math.ceil(math.log10(max(sizes)))
        else:
            self.low, self.high = 0, 1
        if self.high <= self.low:
            self.high = self.low + 1

    def position(self, grad: float) -> float:
        """Where |grad| sits on the scale, 0 (smallest decade) to 1 (largest)."""
        return (math.log10(abs(grad)) - self.low) / (self.high - self.low)

    def _shade(self, grad: float) -> float:
        return self.floor + (1.0 - self.floor) * min(max(self.position(grad), 0.0), 1.0)

    def fill(self, grad: float) -> str:
        if grad == 0.0:
            return PLAIN_FILL
        return _mix(self._shade(grad))

    def font(self, grad: float) -> str:
        """Black text on pale fills, white on dark ones."""
        return "white" if grad != 0.0 and self._shade(grad) > 0.6 else "black"

    def legend(self, title: str = "node colour = |grad|") -> str:
        """An HTML table element for the graph's caption: one swatch per decade (at most 9).

        `title` says what is coloured; the scale's name is added after it.
        """
        stride = max(1, math.ceil((self.high - self.low) / 8))
        cells = []
        for exponent in range(self.low, self.high + 1, stride):
            colour = self.fill(10.0**exponent)
            font = self.font(10.0**exponent)
            cells.append(
                f'<td bgcolor="{colour}"><font color="{font}">1e{exponent}</font></td>'
            )
        cells.append(f'<td bgcolor="{NAN_FILL}">NaN/inf</td>')
        cells.append(f'<td bgcolor="{PLAIN_FILL}">0</td>')
        return (
            '<table border="0" cellborder="1" cellspacing="0" cellpadding="3"><tr>'
            f'<td border="0">{html_text(title)}, log10 scale:</td>{"".join(cells)}'
            "</tr></table>"
        )
