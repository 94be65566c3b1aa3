"""Fixtures of deliberation tests."""

import pytest

from tests.deliberation.factories import make_activity, make_comment, make_proposal, make_topic
from tests.factories import make_cycle, make_user


@pytest.fixture
def cycle(db):
    return make_cycle(phase="ideas", slug="green")


@pytest.fixture
def author(db):
    return make_user("author@example.org")


@pytest.fixture
def other(db):
    return make_user("other@example.org")


@pytest.fixture
def moderator(db):
    return make_user("mod@example.org", roles=["moderator"])


@pytest.fixture
def topic(cycle, author):
    return make_topic(cycle, author=author)


@pytest.fixture
def comment(topic, author):
    return make_comment(topic, author=author, body="Trees first, **please**.")


@pytest.fixture
def proposal(cycle, author):
    return make_proposal(cycle, author=author)


@pytest.fixture
def activity(cycle):
    return make_activity(cycle, statements=["Parks need shade.", "Close the road on Sundays."])
