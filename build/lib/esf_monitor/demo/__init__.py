"""The deterministic demo data folder (``esf-monitor generate``), also the benchmarks' input."""
