from onconode.access import events as S
from onconode.access.entitlements import can_download

from tests.access.conftest import T0
from tests.access.helpers import DAY, dar_in_state


def test_a_dar_walks_from_draft_to_active_and_the_contact_can_download(world):
    a = dar_in_state(world, S.ACTIVE)
    d = can_download(world.gov, world.contact.id, a, at=T0 + 30 * DAY)
    assert d.allowed, d.reason
    assert [i["table"] for i in d.items] == ["somatic_variant", "patient"]
