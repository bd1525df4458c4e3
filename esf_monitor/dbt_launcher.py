"""``esf-dbt``: the dbt CLI (``dbt.cli.main.cli``, unchanged) started the cheap way.

dagster-dbt runs dbt as a subprocess for every build (orchestration/assets/dbt.py points its
``dbt_executable`` here). Each start imports dbt-core and the DuckDB adapter (~1.4 s), and
while dbt compiles its models and tests, Python's cyclic garbage collector walks those
hundreds of thousands of long-lived module objects again and again. Pausing the collector for
the imports and freezing what they created (``gc.freeze``: later collections skip it) saved
≈ 0.35 s per dbt process on this 2-core machine (measured alternately, 3 × 2 runs of
``dbt build --select delivery_status`` on the benchmark warehouse: 3.4–3.8 s → 3.1–3.3 s).

The frozen objects are handed back to the collector at exit (``atexit``): left frozen they
would never be freed, and DuckDB's binding (nanobind) then prints "leaked instances" warnings
into the build log. Arguments, environment, output and exit code are dbt's own; ``dbt`` itself
stays available for people.
"""

from __future__ import annotations

import atexit
import gc


def main() -> None:
    enabled = gc.isenabled()
    gc.disable()
    from dbt.cli.main import cli

    gc.freeze()
    atexit.register(gc.unfreeze)
    if enabled:
        gc.enable()
    cli()  # click's standalone mode: parses sys.argv, exits with dbt's exit code


if __name__ == "__main__":
    main()
