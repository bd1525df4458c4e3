"""The audit log is append-only in the database too: UPDATE and DELETE are refused by triggers
(SQLite and PostgreSQL), whatever code or shell touches the table."""

from django.db import migrations

SQLITE = [
    (
        "CREATE TRIGGER web_auditevent_no_update BEFORE UPDATE ON web_auditevent "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"
    ),
    (
        "CREATE TRIGGER web_auditevent_no_delete BEFORE DELETE ON web_auditevent "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"
    ),
]
POSTGRES = [
    (
        "CREATE OR REPLACE FUNCTION web_auditevent_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'audit log is append-only'; END; $$ LANGUAGE plpgsql;"
    ),
    (
        "CREATE TRIGGER web_auditevent_no_change BEFORE UPDATE OR DELETE ON web_auditevent "
        "FOR EACH ROW EXECUTE FUNCTION web_auditevent_append_only();"
    ),
]


def forwards(apps, schema_editor):
    statements = {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("web", "0001_initial")]  # noqa: RUF012 (Django's declarative class attributes)
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]  # noqa: RUF012 (Django's declarative class attributes)
