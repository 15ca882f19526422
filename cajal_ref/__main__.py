"""`python -m cajal_ref ARGS` is `cajal ARGS` (for environments without the console script)."""

from .cli import entry_point

if __name__ == "__main__":
    entry_point()
