"""Every path of the data folder, derived from one env var: ``ESF_DATA_DIR`` (default ``./data``).

Layout (documented in docs/data-folder.md)::

    reference/projects.csv                         registry (managing authority)
    landing/<provider>/<type>/<YYYY-MM>.<csv|xlsx>  uploads arrive here (left in place)
    archive/<provider>/<type>/<YYYY-MM>/            every version received + versions.jsonl
    quarantine/<provider>/<type>/<YYYY-MM>/         rejected files, untouched, + report
    quarantine/_unroutable/                         files at a malformed path, + reason
    warehouse/esf.duckdb                            raw tables and dbt models
    exports/<YYYY-MM>/                              indicator exports per cut-off
    dashboards/                                     HTML dashboards
    dagster_home/                                   Dagster instance (SQLite by default)
    dagster_home/dbt_target/                        dbt's target/ (manifest, partial parse, logs)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DataDir:
    root: Path

    @property
    def reference(self) -> Path:
        return self.root / "reference"

    @property
    def registry_csv(self) -> Path:
        return self.reference / "projects.csv"

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse" / "esf.duckdb"

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    @property
    def dashboards(self) -> Path:
        return self.root / "dashboards"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def quality(self) -> Path:
        return self.root / "quality"

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster_home"

    @property
    def dbt_target(self) -> Path:
        """dbt's target/ of this data folder, kept between builds (orchestration.assets.dbt)."""
        return self.dagster_home / "dbt_target"

    def ensure(self) -> DataDir:
        for p in (
            self.reference,
            self.landing,
            self.archive,
            self.quarantine,
            self.warehouse.parent,
            self.exports,
            self.dashboards,
            self.reports,
            self.dagster_home,
        ):
            p.mkdir(parents=True, exist_ok=True)
        return self


def data_dir() -> DataDir:
    """The data folder named by ``ESF_DATA_DIR`` (absolute, so dbt and subprocesses agree)."""
    return DataDir(Path(os.environ.get("ESF_DATA_DIR", "data")).expanduser().resolve())
