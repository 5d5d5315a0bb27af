"""The screenshot walk runs on the access pages' node and cast (one person per role)."""

from tests.web.access_pages.conftest import *  # noqa: F401,F403 - node on a clock, cast, page, live_server
