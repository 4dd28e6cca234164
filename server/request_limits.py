"""Limits on a JSON body, checked on the raw bytes before anything decodes them.

A decoder recurses once per nesting level, so a body of 10,000 ``[`` exhausts the stack (a 500 and a trace
in the log); a body of 100 MB costs its size in memory before any check runs. ``too_deep`` finds the
nesting depth with a scan over the few characters that matter (brackets, quotes, backslashes), in time
linear in the body, and stops as soon as the limit is passed.
"""

from __future__ import annotations

import re

#: A JSON request body larger than this is refused (413) before it is read to the end. The largest body the
#: app takes as JSON is one inspection (a few KB); uploads are multipart and have their own limits.
MAX_JSON_BYTES = 2 * 1024 * 1024
#: Deeper nesting is refused (400). The deepest legitimate body (answers with repeated groups) is ~5 levels.
MAX_JSON_DEPTH = 32

_SPECIAL = re.compile(rb'[\[\]{}"\\]')
_OPEN = frozenset(b"[{")


def too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether arrays and objects in ``body`` nest deeper than ``limit`` (brackets inside strings do not
    count). Malformed JSON is not an error here: the decoder refuses it afterwards."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False  # cannot nest deeper than the brackets it has
    depth = 0
    in_string = False
    skip = -1  # the position of a character escaped by a backslash
    for match in _SPECIAL.finditer(body):
        pos = match.start()
        if pos == skip:
            continue
        char = body[pos]
        if in_string:
            if char == 0x5C:  # backslash: the next byte is escaped
                skip = pos + 1
            elif char == 0x22:
                in_string = False
        elif char == 0x22:
            in_string = True
        elif char in _OPEN:
            depth += 1
            if depth > limit:
                return True
        elif char != 0x5C:
            depth -= 1
    return False
