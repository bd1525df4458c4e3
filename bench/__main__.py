"""``python -m bench [section] [options]`` (= ``make bench``, with ``python -m bench.latency``)."""

from bench.ingest import main

main()
