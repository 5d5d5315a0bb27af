from tests.web.conftest import *  # noqa: F401,F403  (node, client, make_person, login)
