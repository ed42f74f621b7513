"""``python -m autograd``: a short tour of the engine, printed."""

from autograd import Value, grad, hessian


def main() -> None:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    out = (x1 * w1 + x2 * w2 + b).tanh()
    out.backward()
    print("A neuron: out = tanh(x1*w1 + x2*w2 + b)")
    print(f"  out = {out.data:.4f}")
    for leaf in (x1, w1, x2, w2, b):
        print(f"  d(out)/d({leaf.label}) = {leaf.grad:+.4f}")
    print("Functional API on plain floats:")
    print(f"  grad(x**3)(2.0)      = {grad(lambda x: x**3)(2.0)}")
    print(f"  hessian(x**3)(2.0)   = {hessian(lambda x: x**3)(2.0)}")


if __name__ == "__main__":
    main()
