"""Intake of uploaded extracts: read any accepted dialect, validate against extract contract v1
(pandera models in ``schemas/``), guard against personal data, and report in German and English.

The Dagster intake assets and the CLI use exactly this interface (docs/architecture.md)::

    registry = read_registry(path)                              # raises RegistryError
    lp = parse_landing_path(path, landing_root, registry)       # raises PathRejected
    result = check_file(path, provider_id, extract_type, month, registry)   # never raises
    write_report(result, dest_dir, stem)                        # <stem>.errors.csv, <stem>.summary.txt
"""

from esf_monitor.intake.paths import LandingPath, PathRejected, parse_landing_path
from esf_monitor.intake.registry import RegistryError, read_registry
from esf_monitor.intake.report import write_report
from esf_monitor.intake.validate import IntakeResult, check_file

__all__ = [
    "IntakeResult",
    "LandingPath",
    "PathRejected",
    "RegistryError",
    "check_file",
    "parse_landing_path",
    "read_registry",
    "write_report",
]
