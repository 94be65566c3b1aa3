"""Demo data is idempotent; the launcher explains a busy port instead of crashing."""

import socket

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from pbudget import roles
from pbudget.demo import load_demo_data
from pbudget.models import Cycle, District, DistrictBudget, Phase, User


def counts():
    return (
        District.objects.count(),
        Cycle.objects.count(),
        DistrictBudget.objects.count(),
        User.objects.count(),
        EmailAddress.objects.count(),
    )


def test_demo_data_twice_adds_nothing_twice(db):
    load_demo_data()
    first = counts()
    load_demo_data()
    assert counts() == first
    assert District.objects.filter(is_citywide=True).count() == 1
    assert District.objects.filter(is_citywide=False).count() == 5


def test_demo_data_has_a_cycle_in_each_phase_and_a_user_per_role(db):
    result = load_demo_data()
    phases = {cycle.phase for cycle in Cycle.objects.all()}
    assert {Phase.IDEAS, Phase.REVIEW, Phase.VOTING, Phase.RESULTS, Phase.IMPLEMENTATION} <= phases
    for role in roles.ROLES:
        assert Group.objects.get(name=role).user_set.exists(), role
    assert {login["role"] for login in result["logins"]} == set(roles.ROLES)


def test_run_explains_a_port_in_use(capsys, monkeypatch):
    from pbudget import stack

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        monkeypatch.setenv("PORT", str(port))
        assert stack.run() == 1
    out = capsys.readouterr().out
    assert f"Port {port}" in out and "already in use" in out
