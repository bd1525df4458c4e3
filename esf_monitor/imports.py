"""Loading big libraries with Python's cyclic garbage collector out of the way.

A process that imports Dagster, dagster-dbt/dbt-core and pandera (a run process) or dbt-core
and its DuckDB adapter (a dbt process) creates hundreds of thousands of module objects that
live as long as the process. The collector runs again and again during those imports and
later walks the same objects over and over while the process works. Paused for the imports and
frozen afterwards (``gc.freeze``: later collections skip them), loading the pipeline's
definitions took 2.4–3.0 s instead of 2.8–4.1 s and a dbt build process ≈ 0.35 s less on this
2-core machine (docs/decisions.md "Process start and exit"). Nothing changes but when
collections happen.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def frozen_imports() -> Iterator[None]:
    """Run the ``with`` body (the imports) without the collector, then freeze what exists.

    The frozen objects are handed back at exit (``atexit``): left frozen they are never freed,
    and DuckDB's binding (nanobind) then reports "leaked instances" on stderr. The collector
    runs again even when an import fails.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        atexit.register(gc.unfreeze)
        if enabled:
            gc.enable()
