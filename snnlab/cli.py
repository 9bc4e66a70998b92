"""The `snnlab` command's former home, kept so that `snnlab.cli:main` and
`python -m snnlab.cli` keep working; the command lives in `snnlab.serve`."""

from .apps import LEARNING_ORDER, index_html, learning_order
from .serve._cli import (
    build_parser,
    find_apps,
    limits_of,
    main,
    serve_command,
    server_environment,
    write_index,
)

__all__ = [
    "LEARNING_ORDER",
    "build_parser",
    "find_apps",
    "index_html",
    "learning_order",
    "limits_of",
    "main",
    "serve_command",
    "server_environment",
    "write_index",
]

if __name__ == "__main__":
    raise SystemExit(main())
