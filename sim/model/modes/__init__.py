"""The delivery modes, one module each; importing this package registers all of them.

Each module decorates its loop class with :func:`sim.model.loop.mode`. Modules are imported in name
order, so the registry is the same in every process.
"""

from __future__ import annotations

import importlib
import pkgutil

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")
