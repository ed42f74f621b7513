"""Trace a Value graph once, replay it compiled: `trace` and the `Program` it returns.

The stages, one module each, in the order a function goes through them:

- `trace`: run the function once on fresh input Values and record the graph;
  `eager` runs the same function on Values again (for `Program.check`);
  `arguments` flattens nested inputs into slots;
- `tape`: the graph numbered into a flat tape, and its reference interpreter;
- `symbolic`: each op's own forward and rule from `autograd.ops`, run on symbols;
- `codegen`: straight-line Python for one sample, one statement per node;
- `lower`: the tape grouped into tensor operations (a layer's sums are one matrix
  product, its activation one array op);
- `tensor`: the lowered program as array code, forward and backward, written in the
  `numpy_dialect`; `backends` runs it on NumPy or on torch (any device), and
  `torch_module` wraps it as a ``torch.nn.Module``;
- `program`: the `Program` that holds them and runs a call or a batch.

    >>> from autograd.compile import trace
    >>> trace(lambda x: x * x + 1.0, 3.0)(2.0)
    5.0
"""

from autograd.compile.program import Program, TracerError
from autograd.compile.trace import TracedFunction, TracerWarning, trace

__all__ = ["Program", "TracedFunction", "TracerError", "TracerWarning", "trace"]
