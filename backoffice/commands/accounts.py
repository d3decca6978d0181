"""`flask registry create-admin` and `flask registry reset-password`: FAB's account commands
held to the password rules, failing with one line and a non-zero exit."""
import click
from flask import current_app

from ..cli import fail, registry_cli
from ..models.validation import FieldError, check_email
from ..security.passwords import password_problem


def _acceptable(password: str, username: str) -> None:
    problem = password_problem(password, username)
    if problem:
        fail(f"password refused: {problem}")


@registry_cli.command("create-admin")
@click.option("--username", prompt="Username")
@click.option("--firstname", prompt="First name")
@click.option("--lastname", prompt="Last name")
@click.option("--email", prompt="Email")
@click.password_option()
def create_admin(username: str, firstname: str, lastname: str, email: str, password: str) -> None:
    """Create an administrator (county-wide, no agency)."""
    sm = current_app.appbuilder.sm  # type: ignore[attr-defined]  # FAB sets app.appbuilder
    _acceptable(password, username)
    try:
        email = check_email(email, required=True)
    except FieldError as error:
        fail(f"email refused: {error.message}")
    if sm.find_user(username=username) or sm.find_user(email=email):
        fail(f"a user named {username} or with that email already exists")
    user = sm.add_user(username, firstname, lastname, email, sm.find_role(sm.auth_role_admin), password)
    if not user:
        fail("the administrator could not be created")
    click.echo(f"administrator {username} created")


@registry_cli.command("reset-password")
@click.option("--username", prompt="Username")
@click.password_option()
def reset_password(username: str, password: str) -> None:
    """Set a new password for a user."""
    sm = current_app.appbuilder.sm  # type: ignore[attr-defined]  # FAB sets app.appbuilder
    user = sm.find_user(username=username)
    if user is None:
        fail(f"no user named {username}")
    _acceptable(password, username)
    sm.reset_password(user.id, password)
    click.echo(f"password of {username} reset")
