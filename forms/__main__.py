"""Command line: `python -m forms check [folder]` validates definitions; `hashes` prints their SHA-256."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from forms.check import load_checked
from forms.registry import DEFINITIONS, sha256


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the process exit status."""
    parser = argparse.ArgumentParser(prog="python -m forms", description="Check and inspect form definitions.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (("check", "validate every definition file"), ("hashes", "print id, version, sha256")):
        command = commands.add_parser(name, help=text)
        command.add_argument("folder", nargs="?", default=str(DEFINITIONS), help="definitions folder")
    args = parser.parse_args(argv)
    forms, problems = load_checked(args.folder)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"{len(problems)} problem(s) in {args.folder}", file=sys.stderr)
        return 1
    if args.command == "hashes":
        for form in forms:
            print(f"{form.id} v{form.version} {sha256(form)}")
        return 0
    items = sum(len(form.items()) for form in forms)
    names = ", ".join(f"{form.id} v{form.version}" for form in forms)
    print(f"OK: {len(forms)} form definition(s), {items} checklist items ({names})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
