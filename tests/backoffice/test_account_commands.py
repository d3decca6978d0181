"""Accounts made or reset from the command line obey the same password rules as the screens."""
from werkzeug.security import check_password_hash

from backoffice.extensions import db
from tests import factories

GOOD = "tidal-orchard-lantern-42"


def _admin(runner, password, username="night-admin"):
    return runner.invoke(args=[
        "registry", "create-admin", "--username", username, "--firstname", "Night",
        "--lastname", "Admin", "--email", f"{username}@county.example", "--password", password,
    ])


def test_create_admin_refuses_a_weak_password_in_one_line(runner, ctx):
    result = _admin(runner, "password1234567")
    assert result.exit_code != 0
    assert result.output.strip().splitlines() == [
        "Error: password refused: This password is too easy to guess; choose another."
    ]
    assert ctx.appbuilder.sm.find_user(username="night-admin") is None


def test_create_admin_makes_an_administrator(runner, ctx):
    result = _admin(runner, GOOD)
    assert result.exit_code == 0, result.output
    user = ctx.appbuilder.sm.find_user(username="night-admin")
    assert [role.name for role in user.roles] == ["Admin"]
    assert _admin(runner, GOOD).exit_code != 0  # the same name twice


def test_fab_own_commands_cannot_set_a_weak_password(runner, ctx):
    runner.invoke(args=["fab", "create-admin", "--username", "weak-admin", "--firstname", "W",
                        "--lastname", "A", "--email", "weak@county.example", "--password", "short"])
    assert ctx.appbuilder.sm.find_user(username="weak-admin") is None
    user = factories.user("investigator")
    result = runner.invoke(args=["fab", "reset-password", "--username", user.username, "--password", "qwerty"])
    assert result.exit_code != 0
    db.session.expire_all()
    assert not check_password_hash(user.password, "qwerty")


def test_reset_password(runner, ctx):
    user = factories.user("investigator")
    assert runner.invoke(args=["registry", "reset-password", "--username", "nobody-here",
                               "--password", GOOD]).exit_code != 0
    weak = runner.invoke(args=["registry", "reset-password", "--username", user.username, "--password", "aaaaaaaaaaaaaa"])
    assert weak.exit_code != 0 and "password refused" in weak.output
    result = runner.invoke(args=["registry", "reset-password", "--username", user.username, "--password", GOOD])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert check_password_hash(user.password, GOOD)
