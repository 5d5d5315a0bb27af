"""Self-registration does not tell anyone which emails have accounts, and an account
only works once the owner of its address has opened the emailed, single-use link."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from onconode.access import identity
from onconode.access.confirmation import ConfirmationError, confirm_email
from onconode.access.db import GovernanceError, create_engine, migrate, resolve_url
from onconode.access.registration import register_applicant
from onconode.access.schema import account as account_table
from tests.access.conftest import PASSWORD, T0, make_person

CONFIRM = "https://node.example.org/account/confirm"


def register(gov, email: str, password: str = PASSWORD, at: dt.datetime = T0) -> str:
    return register_applicant(gov, email, "Rita", "Researcher", password, confirm_url=CONFIRM, at=at)


def token_in(message) -> str:
    return re.search(re.escape(CONFIRM) + r"\?token=([A-Za-z0-9_-]+)", message.get_content()).group(1)


def test_a_new_and_a_taken_address_get_the_same_answer_but_different_mail(gov, mail):
    make_person(gov, "taken@umcu.nl", mfa=False)
    new_answer = register(gov, "new@umcu.nl")
    taken_answer = register(gov, "taken@umcu.nl", password="another long password")
    assert new_answer == taken_answer and "check your institutional email" in new_answer.lower()
    to_new, to_taken = mail.messages
    assert str(to_new["To"]) == "new@umcu.nl" and "Confirm your email" in str(to_new["Subject"]) and token_in(to_new)
    assert str(to_taken["To"]) == "taken@umcu.nl" and "tried to register" in str(to_taken["Subject"])
    assert "token=" not in to_taken.get_content()


def test_a_taken_address_keeps_its_account_and_password(gov):
    owner = make_person(gov, "taken@umcu.nl", mfa=False)
    register(gov, "taken@umcu.nl", password="the intruder's password")
    assert identity.authenticate(gov, "taken@umcu.nl", PASSWORD).id == owner.id
    with pytest.raises(identity.AuthenticationError):
        identity.authenticate(gov, "taken@umcu.nl", "the intruder's password")


def test_both_paths_hash_the_password_once(gov, monkeypatch):
    """The taken-address path costs the same argon2 hash as creating an account."""
    make_person(gov, "taken@umcu.nl", mfa=False)
    calls: list[str] = []
    real = PasswordHasher.hash
    monkeypatch.setattr(PasswordHasher, "hash", lambda self, pw, **kw: calls.append(pw) or real(self, pw, **kw))
    register(gov, "new@umcu.nl")
    new_calls = len(calls)
    register(gov, "taken@umcu.nl")
    assert new_calls == 1 and len(calls) - new_calls == 1


def test_an_unconfirmed_account_cannot_log_in_and_fails_like_a_wrong_password(gov):
    register(gov, "new@umcu.nl")
    with pytest.raises(identity.AuthenticationError) as unconfirmed:
        identity.authenticate(gov, "new@umcu.nl", PASSWORD)
    with pytest.raises(identity.AuthenticationError) as wrong:
        identity.authenticate(gov, "new@umcu.nl", "not the password at all")
    assert str(unconfirmed.value) == str(wrong.value)
    with gov.engine.connect() as conn:
        acc = identity.find_account(conn, "new@umcu.nl")
    assert not acc.active and not acc.confirmed


def test_the_link_confirms_once_and_the_account_then_logs_in(gov, mail):
    register(gov, "new@umcu.nl")
    token = token_in(mail.messages[-1])
    acc = confirm_email(gov, token, PASSWORD, at=T0 + dt.timedelta(hours=1))
    assert acc.active and acc.confirmed and acc.roles == frozenset()
    assert identity.authenticate(gov, "new@umcu.nl", PASSWORD).id == acc.id
    with pytest.raises(ConfirmationError, match="not valid"):
        confirm_email(gov, token, PASSWORD, at=T0 + dt.timedelta(hours=2))


def test_the_link_expires_after_48_hours(gov, mail):
    register(gov, "new@umcu.nl")
    with pytest.raises(ConfirmationError, match="expired"):
        confirm_email(gov, token_in(mail.messages[-1]), PASSWORD, at=T0 + dt.timedelta(hours=48, seconds=1))


def test_confirming_needs_the_password_chosen_at_registration(gov, mail):
    """Whoever registers someone else's address cannot get its owner to activate their password."""
    register(gov, "new@umcu.nl")
    token = token_in(mail.messages[-1])
    with pytest.raises(ConfirmationError):
        confirm_email(gov, token, "some other long password", at=T0)
    assert confirm_email(gov, token, PASSWORD, at=T0).confirmed


def test_registering_again_before_confirming_mails_a_fresh_link_that_needs_the_first_password(gov, mail):
    register(gov, "new@umcu.nl", at=T0)
    first = token_in(mail.messages[-1])
    later = T0 + dt.timedelta(days=3)  # the first link has expired
    assert register(gov, "new@umcu.nl", password="a different long password", at=later) == register(gov, "other@umcu.nl", at=later)
    fresh = token_in([m for m in mail.messages if str(m["To"]) == "new@umcu.nl"][-1])
    assert fresh != first
    with pytest.raises(ConfirmationError):
        confirm_email(gov, fresh, "a different long password", at=later)
    assert confirm_email(gov, fresh, PASSWORD, at=later).confirmed


def test_only_the_token_hash_is_stored(gov, mail):
    register(gov, "new@umcu.nl")
    token = token_in(mail.messages[-1])
    with gov.engine.connect() as conn:
        stored = [r[0] for r in conn.execute(sa.text("SELECT token_hash FROM email_confirmation")).fetchall()]
    assert stored and token not in stored and all(len(h) == 64 for h in stored)


def test_invalid_input_is_refused_before_any_address_is_looked_up(gov, mail):
    make_person(gov, "taken@umcu.nl", mfa=False)
    for email in ("new@umcu.nl", "taken@umcu.nl"):
        with pytest.raises(GovernanceError, match="12 characters"):
            register(gov, email, password="short")
        with pytest.raises(GovernanceError, match="no organisation"):
            register_applicant(gov, email, "R", "R", PASSWORD, confirm_url=CONFIRM, organisation_id="nowhere", at=T0)
    assert mail.messages == []


def test_accounts_from_before_the_migration_stay_able_to_log_in(db_url, tmp_path):
    engine = create_engine(resolve_url(tmp_path, db_url))
    migrate(engine, "0001")
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO account (email, name, surname, password_hash, mfa_enabled, active, created_at) "
            "VALUES ('old@umcu.nl', 'Old', 'Account', :h, false, true, :at)"), {"h": PasswordHasher().hash(PASSWORD), "at": T0.replace(tzinfo=None)})
    migrate(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.select(account_table.c.confirmed_at)).scalar_one() == T0.replace(tzinfo=None)
    engine.dispose()
