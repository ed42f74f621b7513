"""Run a traced function eagerly on fresh leaves: what tracing and `Program.check` share.

`leaves` turns one call's arguments (numbers, nested lists) into input Values, and
`outputs_of` reads what the function returned as a list of Values. `call_eager` runs the
function the ordinary way and returns its output and parameter gradients, the reference
a compiled program is checked against.

    >>> from autograd import Value
    >>> xs: list = []
    >>> leaves([1.0, 2.0], [None, None], xs), [x.label for x in xs]
    ([Value(data=1.0, grad=0.0, label='x0'), Value(data=2.0, grad=0.0, label='x1')], ['x0', 'x1'])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from autograd.compile.arguments import Spec
from autograd.context import enable_grad
from autograd.value import Value

if TYPE_CHECKING:
    from autograd.compile.program import Program


def leaves(x: Any, spec: Spec, inputs: list[Value]) -> Any:
    """Input Values for one argument of the shape `spec`, appended to `inputs` in slot order."""
    if spec is None:
        leaf = Value(float(x.data if isinstance(x, Value) else x), label=f"x{len(inputs)}")
        inputs.append(leaf)
        return leaf
    if hasattr(x, "tolist"):
        x = x.tolist()
    return [leaves(v, s, inputs) for v, s in zip(x, spec)]


def outputs_of(result: Any) -> tuple[list[Value], bool]:
    """The function's result as a list of Values, and whether it was a single one."""
    single = not isinstance(result, list | tuple)
    items = [result] if single else list(result)
    if not items:
        raise ValueError("trace: the function returned an empty list; it must return a Value "
                         "or a list of Values.")
    outputs = []
    for item in items:
        if isinstance(item, Value):
            outputs.append(item)
        elif isinstance(item, int | float) and not isinstance(item, bool):
            outputs.append(Value(float(item)))
        else:
            raise TypeError(f"trace: the function must return a Value or a list of Values, "
                            f"got {type(item).__name__} {item!r}.")
    return outputs, single


def call_eager(program: Program, args: Sequence[Any]) -> tuple[Any, list[Any]]:
    """Run the program's original function eagerly: its output(s) and parameter gradients."""
    program.flatten(args)  # the same checks as a compiled call
    inputs: list[Value] = []
    call_args = [a if k in program.static else leaves(a, program.specs[k], inputs)
                 for k, a in enumerate(args)]
    with enable_grad():
        outputs, single = outputs_of(program.fn(*call_args))
    for p in program.params:
        p.grad = 0.0
    if single:
        outputs[0].backward()
    values = [o.data for o in outputs]
    return (values[0] if single else values), [p.grad for p in program.params]
