"""``python -m nn [options]`` is ``chainrule train [options]``: train the demo MLP."""

import sys

from nn.cli import main

if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(main(args if args[:1] == ["train"] else ["train", *args]))
