"""pytest (pytest-django): the base settings with a fixed key; the data folder is each test's
own (portal code asks ``esf_monitor.paths.data_dir()`` at request time)."""

from portal.settings.base import *

SECRET_KEY = "test-only-key-not-secret-0123456789abcdefghijklmnopqrstuvwxyz"
# no Dagster webserver in unit tests (a `make ui` of another checkout may listen on 3000)
DAGSTER_UI_URL = "http://127.0.0.1:9"
