"""``python -m autograd.draw [DIR]``: write the README's picture of one neuron."""

from autograd.draw.graph import main

main()
