"""Job tests reuse the release tests' small frozen store and node homes (a release build
is the heaviest real job there is)."""

from tests.release.conftest import auto_env, env, store_home  # noqa: F401  (fixtures)
