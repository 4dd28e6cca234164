"""A domain package's public names, loaded on first use.

Each domain package lists in its ``__init__`` the names other packages may use and the module that
holds each; ``from server.tips import visible`` then loads ``server.tips.services`` when first asked.
Loading on use (PEP 562) lets any module import any package's ``models`` without pulling in, and
cycling through, that package's behaviour.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, modules: dict[str, list[str]]) -> tuple[list[str], Callable[[str], Any]]:
    """``__all__`` and the module ``__getattr__`` of ``package``, from {module: [names]}."""
    home = {name: module for module, names in modules.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = home.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)  # later lookups skip this function
        return value

    return sorted(home), __getattr__
