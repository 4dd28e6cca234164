"""The Litestar application: settings, database, auth, HTTP API and HTML pages, CLI."""
