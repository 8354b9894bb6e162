"""``python -m skseq``: the same command line as the ``skseq`` script."""

from ._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
