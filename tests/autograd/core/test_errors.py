"""Bad inputs fail loudly, with a message naming the op and the value; plain-number
behaviour (comparisons, float(), ==, hash, repr) is what users expect."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from autograd.lists import logsumexp, softmax
from autograd.value import Value

# ---- constructing Values --------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["abc", None, [1.0], True, 1 + 2j],
                         ids=["str", "None", "list", "bool", "complex"])
def test_value_rejects_non_real_data_naming_the_type(bad: Any) -> None:
    with pytest.raises(TypeError, match=rf"Value: expected a real number .*{type(bad).__name__}"):
        Value(bad)


def test_value_rejects_a_non_string_label() -> None:
    with pytest.raises(TypeError, match="label must be a str, got int"):
        Value(1.0, label=3)  # type: ignore[arg-type]


def test_value_rejects_a_value_as_data() -> None:
    with pytest.raises(TypeError, match=r"got a Value; use its \.data"):
        Value(Value(1.0))  # type: ignore[arg-type]


def test_value_accepts_ints_and_stores_floats() -> None:
    v = Value(3)
    assert v.data == 3.0 and type(v.data) is float


# ---- domain errors name the op and the value -----------------------------------------------

DOMAIN_ERRORS: list[tuple[str, Callable[[], Any], type[Exception], str]] = [
    ("log(0)", lambda: Value(0.0).log(), ValueError, r"log: input 0\.0 .*x > 0"),
    ("log(-1)", lambda: Value(-1.0).log(), ValueError, r"log: input -1\.0"),
    ("sqrt(-1)", lambda: Value(-1.0).sqrt(), ValueError, r"sqrt: input -1\.0 .*x >= 0"),
    ("0 ** -1", lambda: Value(0.0) ** -1, ZeroDivisionError, r"pow: 0\.0 .*negative power -1"),
    ("0 ** y", lambda: Value(0.0) ** Value(-2.0), ZeroDivisionError, r"pow: 0\.0 .*-2\.0"),
    ("x / 0", lambda: Value(1.0) / 0, ZeroDivisionError, r"div: division of 1\.0 by zero"),
    ("x / Value(0)", lambda: Value(2.5) / Value(0.0), ZeroDivisionError, r"div: .*2\.5"),
    ("(-8) ** 0.5", lambda: Value(-8.0) ** 0.5, ValueError, r"pow: input -8\.0 .*0\.5"),
    ("exp(1000)", lambda: Value(1000.0).exp(), OverflowError, r"exp: exp\(1000\.0\)"),
]


@pytest.mark.parametrize("name, call, error, message", DOMAIN_ERRORS,
                         ids=[case[0] for case in DOMAIN_ERRORS])
def test_domain_errors_name_the_op_and_the_value(
    name: str, call: Callable[[], Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        call()


def test_a_negative_base_with_a_whole_exponent_is_fine() -> None:
    assert (Value(-2.0) ** 3).data == -8.0


# ---- type errors name the op -----------------------------------------------------------------

def junk(x: object) -> Any:
    """A wrongly typed operand, hidden from the type checker on purpose."""
    return x


TYPE_ERRORS: list[tuple[str, Callable[[], Any], str]] = [
    ("value + str", lambda: Value(1.0) + junk("a"), r"add: expected a real number .*str 'a'"),
    ("str + value", lambda: junk("a") + Value(1.0), r"add: .*str"),
    ("value * None", lambda: Value(1.0) * junk(None), r"mul: .*NoneType"),
    ("value - list", lambda: Value(1.0) - junk([1]), r"sub: .*list"),
    ("value / str", lambda: Value(1.0) / junk("2"), r"div: .*str"),
    ("value ** str", lambda: Value(2.0) ** junk("2"), r"pow: .*str"),
    ("leaky slope", lambda: Value(1.0).leaky_relu(junk("0.1")), r"leaky_relu: .*str"),
    ("value < str", lambda: Value(1.0) < junk("a"), r"comparison: .*str"),
]


@pytest.mark.parametrize("name, call, message", TYPE_ERRORS, ids=[c[0] for c in TYPE_ERRORS])
def test_type_errors_name_the_op(name: str, call: Callable[[], Any], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        call()


def test_list_functions_reject_an_empty_list() -> None:
    with pytest.raises(ValueError, match="empty list"):
        logsumexp([])
    with pytest.raises(ValueError, match="empty list"):
        softmax([])


# ---- plain-number behaviour ----------------------------------------------------------------


def test_comparisons_use_data_with_values_and_numbers() -> None:
    a, b = Value(1.0), Value(2.0)
    assert a < b and a <= b and b > a and b >= a
    assert a < 1.5 and a <= 1 and b > 1 and b >= 2
    assert not (a > b) and not (b < a)
    assert 1.5 > a and 2.0 <= b  # reflected: the number on the left
    assert max([a, b, Value(-3.0)]) is b


def test_equality_and_hash_are_identity() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a == a and a != b
    assert a != 1.0
    grads = {a: "first", b: "second"}
    assert len(grads) == 2 and grads[a] == "first" and grads[b] == "second"
    assert len({a, b, a}) == 2


def test_float_gives_the_data() -> None:
    assert float(Value(2.5)) == 2.5
    assert math.isclose(math.sqrt(Value(4.0)), 2.0)  # math functions accept Values via float


def test_repr_shows_data_grad_op_and_label() -> None:
    x = Value(3.0, label="x")
    y = x * 2.0
    y.label = "y"
    y.backward()
    text = repr(y)
    assert "data=6.0" in text and "grad=1.0" in text and "op='mul'" in text
    assert "label='y'" in text
    assert repr(x) == "Value(data=3.0, grad=2.0, label='x')"


def test_repr_of_a_bound_op_shows_its_attribute() -> None:
    assert "op='pow(3.0)'" in repr(Value(2.0) ** 3)
    assert "op='leaky_relu(0.2)'" in repr(Value(-1.0).leaky_relu(0.2))


def test_repr_after_create_graph_shows_the_gradient_value() -> None:
    x = Value(3.0)
    (x * x).backward(create_graph=True)
    assert "grad=Value(6.0)" in repr(x)
