"""Speed and memory benchmarks of esf-monitor (``make bench``), recorded in ``BENCHMARKS.md``.

Not part of the wheel: run from a checkout, ``python -m bench [ingest|e2e|validation]`` and
``python -m bench.latency``. Never part of ``make test``: timings belong on a quiet machine.
"""
