"""Entry point for `python -m jcp`."""

import sys

if sys.argv[1:2] == ["serve"] and not {"-h", "--help"} & set(sys.argv[2:]):
    # Straight to the server: jcp.cli imports the loader, the runner and their libraries, which
    # would delay the server's start; the app imports what it needs in the background.
    from jcp.web.serve import main as serve

    raise SystemExit(serve(sys.argv[2:]))

from jcp.cli import main  # noqa: E402

raise SystemExit(main())
