"""esf-monitor: ESF+ monitoring data platform (intake, CLI, demo data, dashboards)."""
