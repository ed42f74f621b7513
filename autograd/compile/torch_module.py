"""A traced program as a ``torch.nn.Module``: the same lowered tensor program, trained by
torch's own autograd, optimizers and data-parallel tools, on any device.

`Program.to_torch(device)` builds one. Its single parameter is the flat vector of the
program's parameters; its forward pass is the program's generated forward code run on
torch tensors (`autograd.compile.backends.TorchBackend`), so torch differentiates exactly
the computation the Values describe. Torch is imported only by this module.

    >>> import torch
    >>> from autograd import Value, trace
    >>> w = Value(2.0)
    >>> module = trace(lambda x: (w * x).tanh(), 0.5).to_torch()
    >>> out = module(torch.tensor([[0.5], [0.0]], dtype=torch.float64))
    >>> [round(v, 4) for v in out.tolist()]
    [0.7616, 0.0]
    >>> out.sum().backward(); round(module.flat.grad.item(), 4)
    0.21
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:
    from autograd.compile.program import Program


class TracedModule(torch.nn.Module):
    """``module(X)`` for X of shape (batch, inputs): the outputs, (batch,) or (batch, k)."""

    def __init__(self, program: Program, device: str = "cpu") -> None:
        super().__init__()
        self.program = program
        self.tensor_program = program.tensor_program("torch", device)
        data = [p.data for p in program.params]
        self.flat = torch.nn.Parameter(torch.tensor(data, dtype=torch.float64,
                                                    device=torch.device(device)))

    def forward(self, X: Any) -> Any:
        X = torch.as_tensor(X, dtype=torch.float64, device=self.flat.device)
        if X.dim() == 1:
            X = X.reshape(-1, 1)
        outs, _ = self.tensor_program.forward(X.T, self.flat)
        return outs[0] if self.program.single_output else torch.stack(outs, dim=1)

    def load_into_values(self) -> None:
        """Write the trained parameter vector back into the program's parameter Values."""
        for value, number in zip(self.program.params, self.flat.detach().cpu().tolist()):
            value.data = number
