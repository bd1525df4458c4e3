"""The Dagster code location of esf-monitor (one ``Definitions`` in ``definitions.py``)."""
