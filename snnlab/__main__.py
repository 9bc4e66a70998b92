"""`python -m snnlab`: the `snnlab` command (`python -m snnlab serve`)."""

from snnlab.serve import main

if __name__ == "__main__":
    raise SystemExit(main())
