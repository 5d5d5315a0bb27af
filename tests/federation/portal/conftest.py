from tests.web.conftest import *  # noqa: F401,F403  (web fixtures: node, client, make_person, login)
