"""Job tests reuse the release tests' small frozen store and node homes (a release build
is the heaviest real job there is), and the access tests' SQLite / PostgreSQL databases."""

from tests.access.conftest import db_url, postgres_url  # noqa: F401  (SQLite and PostgreSQL)
from tests.release.conftest import auto_env, env, store_home  # noqa: F401  (fixtures)
