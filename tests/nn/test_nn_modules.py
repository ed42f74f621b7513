"""Modules, layers and initialisers: names, shapes, seeds, state, scopes, micrograd's API."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import pytest

import nn.module
from autograd.context import SCOPES, no_grad, record_scopes
from autograd.value import Value
from nn.init import INITIALIZERS, as_rng, he, xavier
from nn.layers import MLP, Layer, Neuron
from nn.losses import mse
from nn.module import Module

# Each activation name and the plain-float function it must compute.
ACTIVATION_FORMULAS = {
    "relu": lambda z: max(z, 0.0),
    "tanh": math.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + math.exp(-z)),
    "leaky_relu": lambda z: z if z > 0 else 0.01 * z,
    "gelu": lambda z: 0.5 * z * (1.0 + math.erf(z / math.sqrt(2.0))),
    "silu": lambda z: z / (1.0 + math.exp(-z)),
    "linear": lambda z: z,
}


# ---- structure and names ----------------------------------------------------------------------
def test_mlp_has_micrograds_parameter_count() -> None:
    sizes = [2, 16, 16, 1]
    expected = sum(nin * nout + nout for nin, nout in zip(sizes, sizes[1:]))
    assert MLP(2, [16, 16, 1]).num_parameters() == expected == 337


def test_named_parameters_are_stable_dotted_paths_weights_before_bias() -> None:
    model = MLP(2, [16, 16, 1])
    names = [name for name, _ in model.named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1",
                         "layers.0.neurons.0.b"]
    assert "layers.0.neurons.3.w.1" in names
    assert names[-1] == "layers.2.neurons.0.b"
    assert len(set(names)) == len(names)
    assert names == [name for name, _ in MLP(2, [16, 16, 1], rng=7).named_parameters()]


def test_parameters_are_the_named_parameters_in_the_same_order() -> None:
    model = MLP(3, [4, 2])
    assert all(p is q for p, (_, q) in zip(model.parameters(), model.named_parameters()))
    assert model.parameters()[0] is model.layers[0].neurons[0].w[0]
    assert model.parameters()[-1] is model.layers[1].neurons[1].b


def test_custom_module_finds_parameters_in_attributes_lists_dicts_and_submodules() -> None:
    class Net(Module):
        def __init__(self) -> None:
            self.scale = Value(2.0)
            self.heads = {"a": Neuron(1, rng=1), "b": Neuron(1, rng=2)}
            self.extras = [Value(0.5), "not a parameter", 3.0]
            self.body = Layer(2, 1, rng=3)
            self._private = Value(9.0)
            self.shared = self.scale  # the same parameter twice is listed once

        def forward(self, x: list[float]) -> Value:
            return self.scale * self.body(x)

    names = [name for name, _ in Net().named_parameters()]
    assert names == ["scale", "heads.a.w.0", "heads.a.b", "heads.b.w.0", "heads.b.b",
                     "extras.0", "body.neurons.0.w.0", "body.neurons.0.w.1",
                     "body.neurons.0.b"]
    assert Net()([1.0, 1.0]).data == pytest.approx(2.0 * Net().body([1.0, 1.0]).data)


def test_module_without_forward_raises_not_implemented() -> None:
    with pytest.raises(NotImplementedError, match="Bare: a Module subclass must define"):
        type("Bare", (Module,), {})()(1.0)


def test_repr_shows_shapes_activations_and_parameter_count() -> None:
    text = repr(MLP(2, [16, 16, 1]))
    assert "337 parameters" in text
    assert "(layers.0): Layer(2 -> 16, relu)" in text
    assert "(layers.2): Layer(16 -> 1, linear)" in text
    assert repr(Neuron(3, activation="tanh")) == "Neuron(3 inputs, tanh)"


# ---- forward -------------------------------------------------------------------------------
@pytest.mark.parametrize("activation", sorted(ACTIVATION_FORMULAS))
def test_neuron_computes_activation_of_weighted_sum_plus_bias(activation: str) -> None:
    neuron = Neuron(3, activation=activation, rng=5)
    neuron.b.data = 0.25
    x = [0.5, -1.5, 2.0]
    z = sum(w.data * xi for w, xi in zip(neuron.w, x)) + 0.25
    assert neuron(x).data == pytest.approx(ACTIVATION_FORMULAS[activation](z), rel=1e-12)


def test_neuron_weighted_sum_is_one_nary_sum_node_then_bias_then_activation() -> None:
    neuron = Neuron(4, activation="tanh")
    out = neuron([1.0, 2.0, 3.0, 4.0])
    assert out.op is not None and out.op.name == "tanh"
    (add,) = out.parents
    assert add.op is not None and add.op.name == "add"
    weighted_sum, bias = add.parents
    assert bias is neuron.b
    assert weighted_sum.op is not None and weighted_sum.op.name == "sum"
    assert [p.op.name for p in weighted_sum.parents if p.op] == ["mul"] * 4


def test_linear_neuron_adds_no_activation_node() -> None:
    out = Neuron(2, activation=None)([1.0, 1.0])
    assert out.op is not None and out.op.name == "add"


def test_layer_returns_a_value_for_one_output_and_a_list_for_several() -> None:
    assert isinstance(Layer(2, 1)([1.0, 2.0]), Value)
    outs = Layer(2, 3)([1.0, 2.0])
    assert isinstance(outs, list) and len(outs) == 3
    assert isinstance(MLP(2, [3, 1])([1.0, 2.0]), Value)
    assert len(MLP(2, [3, 4])([1.0, 2.0])) == 4


def test_mlp_output_equals_its_layers_applied_in_turn() -> None:
    model = MLP(3, [5, 4, 2], activation="tanh", output_activation="sigmoid", rng=11)
    x = [0.1, -0.7, 1.3]
    hidden = model.layers[1](model.layers[0](x))
    expected = model.layers[2](hidden)
    assert [v.data for v in model(x)] == [v.data for v in expected]
    assert model.layers[0].activation == "tanh"
    assert model.layers[2].activation == "sigmoid"


def test_one_wide_layers_chain_and_a_single_input_may_be_a_bare_number() -> None:
    model = MLP(1, [1, 3, 1], rng=2)
    assert model(0.5).data == model([0.5]).data == model([Value(0.5)]).data


@pytest.mark.parametrize("module", [Neuron(2), Layer(2, 3), MLP(2, [3, 1])])
def test_wrong_input_length_raises_value_error_naming_both_lengths(module: Module) -> None:
    with pytest.raises(ValueError, match="expected 2 inputs, got 3"):
        module([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="expected 2 inputs, got a single number"):
        module(1.0)


def test_non_numeric_inputs_raise_type_error() -> None:
    with pytest.raises(TypeError, match="str"):
        Layer(2, 2)([1.0, "a"])
    with pytest.raises(TypeError, match="expected a list of 2 inputs"):
        MLP(2, [1])(x for x in (1.0, 2.0))


def test_gradients_flow_to_value_inputs_and_parameters() -> None:
    model = MLP(2, [3, 1], activation="tanh", rng=4)
    x = [Value(0.3), Value(-0.2)]
    model(x).backward()
    h = 1e-6
    for i in range(2):
        up, down = [v.data for v in x], [v.data for v in x]
        up[i] += h
        down[i] -= h
        with no_grad():
            numeric = (model(up).data - model(down).data) / (2 * h)
        assert x[i].grad == pytest.approx(numeric, rel=1e-6, abs=1e-9)
    assert any(p.grad != 0.0 for p in model.parameters())


# ---- construction errors -----------------------------------------------------------------------
@pytest.mark.parametrize("bad", [0, -1, 2.0, True, "3"])
def test_bad_sizes_raise_value_error(bad: object) -> None:
    with pytest.raises(ValueError, match="must be an int >= 1"):
        MLP(2, [bad])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="must be an int >= 1"):
        Neuron(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [[], 3, None])
def test_mlp_needs_a_non_empty_list_of_widths(bad: object) -> None:
    with pytest.raises(ValueError, match="nouts must be a non-empty list"):
        MLP(2, bad)  # type: ignore[arg-type]


def test_unknown_activation_or_init_raise_value_error_listing_the_choices() -> None:
    with pytest.raises(ValueError, match="unknown name 'swish'.*'relu'"):
        MLP(2, [3], activation="swish")
    with pytest.raises(ValueError, match="unknown initialiser 'normal'.*'xavier'"):
        MLP(2, [3], init="normal")
    with pytest.raises(TypeError, match="activation"):
        Neuron(2, activation=3)  # type: ignore[arg-type]


def test_activation_may_be_any_function_and_builtins_are_recognised_by_identity() -> None:
    square = Neuron(2, activation=lambda v: v * v, rng=3)
    z = sum(w.data * x for w, x in zip(square.w, [1.0, 2.0]))
    assert square([1.0, 2.0]).data == pytest.approx(z * z)
    assert Neuron(2, activation=Value.tanh).activation == "tanh"
    assert square.describe()["activation"].startswith("custom:")


def test_init_may_be_a_function_of_rng_fan_in_and_fan_out() -> None:
    calls: list[tuple[int, int]] = []

    def constant(rng: random.Random, fan_in: int, fan_out: int) -> float:
        calls.append((fan_in, fan_out))
        return 0.5

    layer = Layer(3, 2, init=constant)
    assert all(w.data == 0.5 for n in layer.neurons for w in n.w)
    assert set(calls) == {(3, 2)}


# ---- seeds and initialisers ---------------------------------------------------------------------
def test_same_seed_gives_the_same_model_and_different_seeds_differ() -> None:
    assert MLP(2, [8, 1], rng=3).state_dict() == MLP(2, [8, 1], rng=3).state_dict()
    assert MLP(2, [8, 1], rng=3).state_dict() != MLP(2, [8, 1], rng=4).state_dict()
    assert MLP(2, [8, 1], rng=random.Random(3)).state_dict() == MLP(2, [8, 1], rng=3).state_dict()


def test_without_rng_a_model_draws_from_pythons_random_module() -> None:
    random.seed(123)
    first = MLP(2, [8, 1]).state_dict()
    random.seed(123)
    assert MLP(2, [8, 1]).state_dict() == first  # random.seed reproduces it, as in micrograd


def test_an_explicit_rng_never_touches_the_global_random_generator() -> None:
    random.seed(123)
    before = random.getstate()
    MLP(4, [8, 8, 2], init="he", rng=0)
    assert random.getstate() == before


def test_rng_must_be_a_generator_an_int_or_none() -> None:
    with pytest.raises(TypeError, match="rng: expected a random.Random"):
        as_rng(True)
    with pytest.raises(TypeError, match="rng"):
        MLP(2, [1], rng="seed")  # type: ignore[arg-type]


def test_biases_start_at_zero_like_micrograd() -> None:
    assert all(n.b.data == 0.0 for layer in MLP(3, [4, 2]).layers for n in layer.neurons)


@pytest.mark.parametrize(
    ("init", "bound"),
    [
        ("uniform", lambda fan_in, fan_out: 1.0),
        ("xavier", lambda fan_in, fan_out: math.sqrt(6.0 / (fan_in + fan_out))),
        ("he", lambda fan_in, fan_out: math.sqrt(6.0 / fan_in)),
    ],
)
def test_initial_weights_fill_the_formulas_range(
    init: str, bound: Callable[[int, int], float]
) -> None:
    fan_in, fan_out = 30, 70
    layer = Layer(fan_in, fan_out, init=init, rng=9)
    weights = [w.data for n in layer.neurons for w in n.w]
    limit = bound(fan_in, fan_out)
    # 2100 uniform draws: all inside the bound, and the extremes come within 1% of it.
    assert max(weights) <= limit and min(weights) >= -limit
    assert max(weights) > 0.99 * limit and min(weights) < -0.99 * limit
    mean = sum(weights) / len(weights)
    variance = sum((w - mean) ** 2 for w in weights) / len(weights)
    assert variance == pytest.approx(limit**2 / 3.0, rel=0.1)  # Var U(-a, a) = a²/3


def test_initializers_are_registered_by_name() -> None:
    assert INITIALIZERS["xavier"] is xavier and INITIALIZERS["he"] is he


# ---- gradients and state -----------------------------------------------------------------------
def test_micrograds_tutorial_loop_runs_unchanged_and_reduces_the_loss() -> None:
    xs = [[2.0, 3.0], [3.0, -1.0], [0.5, 1.0], [1.0, 1.0], [-1.0, 0.5], [-2.0, -1.0]]
    ys = [abs(x1) - 0.5 * x2 for x1, x2 in xs]  # a kinked target that ReLUs can fit
    model = MLP(2, [16, 16, 1])
    losses = []
    for _ in range(30):
        scores = [model(x) for x in xs]
        loss = sum((score - y) ** 2 for score, y in zip(scores, ys))
        loss.backward()
        for p in model.parameters():
            p.data -= 0.005 * p.grad
        model.zero_grad()
        losses.append(loss.data)
    assert losses[-1] < 0.01 * losses[0]
    assert all(p.grad == 0.0 for p in model.parameters())


def test_zero_grad_resets_every_parameter_gradient() -> None:
    model = MLP(2, [3, 1], activation="tanh")
    mse(model([1.0, 2.0]), 0.0).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_state_dict_round_trips_through_load_state_dict() -> None:
    source, target = MLP(2, [4, 1], rng=1), MLP(2, [4, 1], rng=2)
    target.load_state_dict(source.state_dict())
    assert target.state_dict() == source.state_dict()
    assert source([0.3, 0.4]).data == target([0.3, 0.4]).data


@pytest.mark.parametrize(
    ("edit", "error", "message"),
    [
        (lambda s: s.pop("layers.0.neurons.1.b"), ValueError, "1 missing.*neurons.1.b"),
        (lambda s: s.update({"layers.9.b": 1.0}), ValueError, "1 unexpected.*layers.9.b"),
        (lambda s: s.update({"layers.1.neurons.0.b": "0.5"}), TypeError, "must be a real number"),
        (lambda s: s.update({"layers.1.neurons.0.b": True}), TypeError, "got bool"),
        (lambda s: s.update({"layers.1.neurons.0.b": None}), TypeError, "got NoneType"),
        (lambda s: s.update({"layers.1.neurons.0.b": [0.5]}), TypeError, "got list"),
    ],
)
def test_bad_state_dict_raises_and_changes_nothing(
    edit: Callable[[dict[str, Any]], object], error: type[Exception], message: str
) -> None:
    model = MLP(2, [4, 1], rng=1)
    before = model.state_dict()
    state = MLP(2, [4, 1], rng=2).state_dict()
    edit(state)
    with pytest.raises(error, match=message):
        model.load_state_dict(state)
    assert model.state_dict() == before


def test_load_state_dict_needs_a_mapping() -> None:
    with pytest.raises(TypeError, match="expected a mapping"):
        Neuron(1).load_state_dict([("w.0", 1.0), ("b", 0.0)])  # type: ignore[arg-type]


# ---- scopes -----------------------------------------------------------------------------------
def test_recorded_scopes_tag_each_neurons_nodes_with_its_dotted_path() -> None:
    model = MLP(2, [16, 16, 1])
    neuron = model.layers[0].neurons[3]
    with record_scopes() as scopes:
        out = model([1.0, -2.0])
    # Find neuron 3's output among layer 1's inputs: the relu node tagged with its path.
    activation = next(node for node, scope in scopes.items()
                      if scope == "layers.0.neurons.3" and node.op and node.op.name == "relu")
    (add,) = activation.parents
    weighted_sum, bias = add.parents
    products = weighted_sum.parents
    for node in (activation, add, weighted_sum, *products, bias, *neuron.w):
        assert scopes[node] == "layers.0.neurons.3"
    assert {p.op.name for p in products if p.op} == {"mul"}
    assert scopes[out] == "layers.2.neurons.0"


def test_every_parameter_is_tagged_with_its_own_modules_scope() -> None:
    model = MLP(3, [4, 2])
    with record_scopes() as scopes:
        model([1.0, 2.0, 3.0])
    for name, p in model.named_parameters():
        assert scopes[p] == name.rsplit(".", 2 if ".w." in name else 1)[0]


def test_nothing_is_tagged_or_walked_when_recording_is_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fail(*args: object) -> None:
        raise AssertionError("tag_scope must not run while scopes are not recorded")

    monkeypatch.setattr(nn.module, "tag_scope", fail)
    assert SCOPES.get() is None
    MLP(2, [4, 1])([1.0, 2.0])
    with record_scopes() as scopes, pytest.raises(AssertionError, match="must not run"):
        MLP(2, [4, 1])([1.0, 2.0])
    assert scopes == {}


def test_the_tagging_walk_stops_at_the_inputs() -> None:
    upstream = [Value(0.1)]
    for _ in range(2000):  # a long graph the model did not create
        upstream.append(upstream[-1] * 1.0001)
    x = [upstream[-1], upstream[-1] + 1.0]
    model = MLP(2, [3, 1])
    with record_scopes() as scopes:
        model(x)
    assert not any(node in scopes for node in upstream + x)
    # Only the model's own nodes. A hidden neuron: 2 weights, 2 products, sum, bias, add,
    # relu; the linear output neuron: 3 weights, 3 products, sum, bias, add.
    assert len(scopes) == 3 * (2 + 2 + 4) + (3 + 3 + 3)


def test_nested_modules_prefix_their_attribute_name_and_root_nodes_stay_untagged() -> None:
    class Net(Module):
        def __init__(self) -> None:
            self.body = MLP(2, [2, 1], rng=1)
            self.gain = Value(3.0)

        def forward(self, x: list[float]) -> Value:
            return self.gain * self.body(x)

    net = Net()
    with record_scopes() as scopes:
        out = net([1.0, 2.0])
    assert out not in scopes and net.gain not in scopes
    assert set(scopes.values()) == {"body.layers.0.neurons.0", "body.layers.0.neurons.1",
                                    "body.layers.1.neurons.0"}


def test_a_layer_called_on_its_own_tags_neurons_by_index() -> None:
    layer = Layer(2, 2)
    with record_scopes() as scopes:
        outs = layer([1.0, 2.0])
    assert [scopes[o] for o in outs] == ["neurons.0", "neurons.1"]


def test_under_no_grad_only_outputs_and_parameters_are_tagged() -> None:
    model = MLP(2, [2, 1])
    with record_scopes() as scopes, no_grad():
        out = model([1.0, 2.0])
    # No edges were recorded, so each neuron's walk ends at its own output.
    assert scopes[out] == "layers.1.neurons.0"
    assert len(scopes) == 3 + model.num_parameters()


def test_an_entry_too_large_for_a_float_is_refused_before_any_change() -> None:
    model = MLP(2, [2, 1], rng=1)
    before = model.state_dict()
    state: dict[str, Any] = {name: 0.0 for name in before}
    state[list(state)[-1]] = 10**400
    with pytest.raises(ValueError, match="does not fit in a float"):
        model.load_state_dict(state)
    assert model.state_dict() == before
