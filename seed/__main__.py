"""``python -m seed``: migrate and load the demo data into the configured database."""

from server.cli import seed

seed()
