"""`autograd.compile.trace`: trace once, replay compiled; what is a parameter, what is frozen."""

from __future__ import annotations

import math
import time
import warnings

import pytest

from autograd import Value, lists, no_grad
from autograd import value as value_module
from autograd.compile.program import Program, TracerError
from autograd.compile.trace import TracedFunction, TracerWarning, trace


def test_program_output_and_parameter_grads_equal_eager_backward() -> None:
    w, b = Value(0.7), Value(-0.2)
    program = trace(lambda x: (w * x + b).tanh() * x, 1.3)
    out = program.backward(-0.4)
    compiled = (w.grad, b.grad)
    w.grad = b.grad = 0.0
    eager = (w * -0.4 + b).tanh() * -0.4
    eager.backward()
    assert out == eager.data
    assert compiled == (w.grad, b.grad)


def test_replay_reads_the_current_parameter_data() -> None:
    w = Value(2.0)
    program = trace(lambda x: w * x, 3.0)
    w.data = -5.0
    assert program(3.0) == -15.0


def test_parameter_grads_accumulate_across_calls_like_leaves_do() -> None:
    w = Value(2.0)
    program = trace(lambda x: w * x * x, 1.0)
    program.backward(3.0)
    program.backward(3.0)
    assert w.grad == 18.0
    w.zero_grad()
    program.backward(3.0)
    assert w.grad == 9.0


def test_constants_made_inside_the_function_are_not_parameters() -> None:
    w = Value(1.5, label="w")
    program = trace(lambda x: w * x + Value(4.0) * 2.0, 1.0)
    assert program.params == [w]


def test_explicit_params_make_every_other_leaf_a_frozen_constant() -> None:
    w, frozen = Value(1.0), Value(10.0)
    program = trace(lambda x: w * x + frozen, 2.0, params=[w])
    frozen.data = 0.0  # a constant now: the program keeps the traced 10.0
    assert program(2.0) == 12.0
    program.backward(2.0)
    assert (w.grad, frozen.grad) == (2.0, 0.0)


def test_params_must_be_leaves() -> None:
    w = Value(1.0)
    with pytest.raises(ValueError, match="leaf"):
        trace(lambda x: w * x, 1.0, params=[w * 2.0])


def test_list_inputs_and_a_target_argument() -> None:
    w = [Value(0.5), Value(-1.0)]
    program = trace(lambda x, y: (w[0] * x[0] + w[1] * x[1] - y) ** 2, [0.1, 0.2], 1.0)
    assert program.tape.n_inputs == 3
    assert program([1.0, 2.0], 0.5) == (0.5 - 2.0 - 0.5) ** 2


def test_value_and_grad_returns_input_grads_shaped_like_the_inputs() -> None:
    program = trace(lambda x, y: x[0] * x[1] * y, [1.0, 2.0], 3.0)
    out, (dx, dy) = program.value_and_grad([2.0, 5.0], 7.0)
    assert out == 70.0
    assert dx == [35.0, 14.0] and dy == 10.0


def test_a_list_valued_function_returns_a_list_and_refuses_backward() -> None:
    program = trace(lambda x: [x * 2.0, x.exp()], 0.0)
    assert program(1.0) == [2.0, math.exp(1.0)]
    with pytest.raises(ValueError, match="one output"):
        program.backward(1.0)


def test_wrong_input_shapes_raise_errors_naming_the_argument() -> None:
    program = trace(lambda x: lists.sum(x), [1.0, 2.0])
    with pytest.raises(ValueError, match="list of 2, got 3"):
        program([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="traced with 1 argument"):
        program([1.0, 2.0], 3.0)


def test_relu_and_abs_kinks_are_evaluated_on_each_input_not_frozen() -> None:
    program = trace(lambda x: x.relu() + abs(x) * 3.0, 2.0)
    for x, value, slope in ((2.0, 8.0, 4.0), (-2.0, 6.0, -3.0), (0.0, 0.0, 0.0)):
        assert program.value_and_grad(x) == (value, slope)


def test_sqrt_and_power_edge_cases_follow_the_op_rules_at_zero() -> None:
    program = trace(lambda x, y: x.sqrt() + x ** y, 4.0, 2.0)
    eager = Value(0.0), Value(0.5)
    (eager[0].sqrt() + eager[0] ** eager[1]).backward()
    out, grads = program.value_and_grad(0.0, 0.5)
    assert out == 0.0 and grads == (eager[0].grad, eager[1].grad) == (math.inf, 0.0)


@pytest.mark.parametrize("compiler", ["codegen", "tape"])
def test_replay_raises_the_ops_own_errors(compiler: str) -> None:
    program = trace(lambda x, y: (x / y).log() + x.exp(), 1.0, 1.0, compiler=compiler)
    for args in ((1.0, 0.0), (-1.0, 1.0), (1000.0, 1.0)):
        with pytest.raises(Exception) as compiled_error:
            program.backward(*args)
        with pytest.raises(Exception) as eager_error:
            x, y = Value(args[0]), Value(args[1])
            ((x / y).log() + x.exp()).backward()
        assert type(compiled_error.value) is type(eager_error.value)
        assert str(compiled_error.value) == str(eager_error.value)


def test_a_slope_too_large_for_a_float_is_inf_in_eager_and_compiled_alike() -> None:
    c = 1e-210  # d/dc c**(x-1) = (x-1) c**(x-2) is beyond a float at x = 0
    program = trace(lambda x: c ** (x - 1.0), 1.0)
    out, dx = program.value_and_grad(0.0)
    assert out == c ** -1.0 and dx == out * math.log(c)
    x = Value(0.0)
    y = c ** (x - 1.0)
    y.backward()
    assert (y.data, x.grad) == (out, dx)
    assert y.parents[0].grad == -math.inf  # the constant's slope overflows to -inf, no error


def test_a_branch_on_a_traced_value_warns_and_names_the_line() -> None:
    def f(x: Value) -> Value:
        if x > 0:  # frozen: the program always takes the traced way
            return x * 2.0
        return x

    with pytest.warns(TracerWarning, match=r"test_trace\.py:\d+"):
        program = trace(f, 1.0)
    assert program(-1.0) == -2.0  # the traced branch, as documented


def test_strict_tracing_turns_a_frozen_branch_into_an_error() -> None:
    w = Value(0.5)
    with pytest.raises(TracerError, match="branched"):
        trace(lambda x: x * float(w), 1.0, strict=True)


def test_comparisons_of_constants_do_not_warn() -> None:
    def f(x: Value) -> Value:
        c = Value(3.0)
        return x * (2.0 if c > 1.0 else 1.0)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert trace(f, 1.0)(4.0) == 8.0


def test_listing_is_the_chain_rule_as_python() -> None:
    w = Value(3.0)
    program = trace(lambda x: (w * x).tanh(), 1.0)
    listing = program.listing(scalar=True)
    assert "v2 = v0 * v1" in listing.replace("v1 * v0", "v0 * v1")
    assert "_m_tanh" in listing and "return" in listing
    compile(listing, "<listing>", "exec")  # plain Python


def test_replay_creates_no_value_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    w = Value(0.3)
    program = trace(lambda x: (w * x).sigmoid() + x, 2.0)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a Value was created during replay")

    monkeypatch.setattr(value_module.Value, "__init__", refuse)
    for name in ("apply_unary", "apply_binary", "apply_nary"):
        monkeypatch.setattr(value_module, name, refuse)
    program.backward(1.5)
    program.value_and_grad(-0.5)
    assert isinstance(w.grad, float)


def test_tracing_inside_no_grad_still_records_the_graph() -> None:
    w = Value(2.0)
    with no_grad():
        program = trace(lambda x: w * x, 1.0)
    program.backward(4.0)
    assert w.grad == 4.0


def test_decorator_traces_once_per_input_shape() -> None:
    calls = []

    @trace
    def total(xs: list[Value]) -> Value:
        calls.append(len(xs))
        return lists.sum(xs) * 2.0

    assert isinstance(total, TracedFunction)
    assert total([1.0, 2.0]) == 6.0
    assert total([3.0, 4.0]) == 14.0
    assert total([1.0, 1.0, 1.0]) == 6.0
    assert calls == [2, 3]


def test_static_arguments_specialise_the_program_and_are_checked() -> None:
    program = trace(lambda x, k: x ** k, 2.0, 3, static_argnums=(1,))
    assert program(2.0, 3) == 8.0
    with pytest.raises(ValueError, match="static argument 1 was 3"):
        program(2.0, 4)

    @trace(static_argnums=(1,))
    def power(x: Value, k: int) -> Value:
        return x ** k

    assert (power(2.0, 3), power(2.0, 4)) == (8.0, 16.0)
    assert len(power.programs) == 2


def test_check_catches_a_branch_on_data_that_tracing_froze() -> None:
    w = Value(1.0)
    program = trace(lambda x: w * x if x.data > 0 else -w * x, 1.0)
    program.check(2.0)  # the traced branch: fine
    with pytest.raises(TracerError, match="compiled but"):
        program.check(-2.0)


def test_tape_and_codegen_give_identical_numbers() -> None:
    params = [Value(0.1 * k - 0.5) for k in range(8)]

    def f(x: list[Value]) -> Value:
        h = [(params[k] * x[0] + params[k + 4] * x[1]).gelu() for k in range(4)]
        return lists.logsumexp(h) + lists.sum(h).softplus()

    codegen = trace(f, [0.2, -0.3], compiler="codegen")
    tape = trace(f, [0.2, -0.3], compiler="tape")
    assert (codegen.mode, tape.mode) == ("codegen", "tape")
    for x in ([1.0, 2.0], [-3.0, 0.5], [0.0, 0.0]):
        results = []
        for program in (codegen, tape):
            for p in params:
                p.zero_grad()
            results.append((program.value_and_grad(x), [p.grad for p in params]))
        assert results[0] == results[1]


def test_a_graph_of_100k_nodes_traces_in_seconds_and_falls_back_to_the_tape() -> None:
    w = Value(0.999)

    def chain(x: Value) -> Value:
        for _ in range(25_000):  # four nodes per step
            x = (x * w + 0.001).tanh()
        return x

    start = time.perf_counter()
    program = trace(chain, 0.5)
    out, dx = program.value_and_grad(0.5)
    elapsed = time.perf_counter() - start
    assert program.num_nodes >= 100_000 and program.mode == "tape"
    assert elapsed < 30.0
    compiled_w = w.grad
    w.grad = 0.0
    x = Value(0.5)
    eager = chain(x)
    eager.backward()
    assert (out, dx, compiled_w) == (eager.data, x.grad, w.grad)


def test_program_repr_names_its_size_and_mode() -> None:
    w = Value(1.0)
    program = trace(lambda x: w * x, 1.0)
    assert isinstance(program, Program)
    assert repr(program) == "<Program of <lambda>: 1 inputs, 1 parameters, 3 nodes, codegen>"





def test_a_traced_function_refuses_batched_arguments_of_different_lengths() -> None:
    step = trace(lambda x, y: x * float(y), static_argnums=(1,))
    with pytest.raises(ValueError, match=r"different lengths \[2, 3\]"):
        step.backward_batch([1.0, 2.0], [0, 0, 5])
    with pytest.raises(ValueError, match=r"different lengths \[2, 3\]"):
        step.forward_batch([1.0, 2.0], [0, 0, 5])


def test_a_number_returned_by_the_function_is_a_constant_not_a_parameter() -> None:
    program = trace(lambda x: [x * 2.0, 0.0], 1.0)
    assert program.params == []
    assert program(3.0) == [6.0, 0.0]


def test_a_nan_static_argument_serves_itself_and_an_unhashable_one_is_named() -> None:
    program = trace(lambda x, s: x * 2, 1.0, float("nan"), static_argnums=(1,))
    assert program(3.0, float("nan")) == 6.0
    traced = trace(lambda x, s: x * 2, static_argnums=(1,))
    assert traced(1.0, float("nan")) == traced(1.0, float("nan")) == 2.0
    assert len(traced.programs) == 1
    with pytest.raises(TypeError, match="a static argument must be .* got dict"):
        traced(1.0, {"a": 1})
