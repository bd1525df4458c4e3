"""The web portal (docs/portal.md): project staff upload in a browser and see at once what is
wrong; each provider sees its own figures, analysts everything exact.

A client of the pipeline, never a second pipeline: an upload is checked with the intake's own
``check_file`` (what ``esf-monitor validate`` runs) and, only when it passes, written atomically
into ``landing/``; the landing sensor or ``esf-monitor run`` does the rest. The portal never
opens the DuckDB warehouse: it reads the data folder's files (delivery log, reports, exports,
dashboards). Its own state (accounts, sessions, audit log, checks) lives in its own database
(SQLite in the data folder, PostgreSQL by ``ESF_PORTAL_DB_URL``).
"""
