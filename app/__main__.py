"""``python -m app`` is the ``jtutor`` command."""

from app.cli import main

raise SystemExit(main())
