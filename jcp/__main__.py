"""Entry point for `python -m jcp`."""

from jcp.cli import main

raise SystemExit(main())
