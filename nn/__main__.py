"""``python -m nn [options]`` is ``chainrule train [options]``: train the demo MLP."""

import sys

try:
    from nn.cli import main
except KeyboardInterrupt:  # Ctrl-C while Python is still loading the modules
    print("interrupted (Ctrl-C) before training; nothing was trained")
    sys.exit(130)

if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(main(args if args[:1] == ["train"] else ["train", *args]))
