"""Test clean-up of rows the database keeps write-once (owner declarations).

Browser journeys commit for real and remove what they made afterwards. The database refuses
every DELETE of an owner declaration (migration 0020), so clean-up lifts that refusal inside
its own transaction only: on PostgreSQL by disabling the trigger, on SQLite by dropping the
triggers and creating them again from their stored SQL. DDL is transactional on both, so a
clean-up that fails rolls the triggers back too.
"""
from contextlib import contextmanager

from sqlalchemy import delete

from backoffice.models import OwnerDeclaration


@contextmanager
def declarations_deletable(session):
    """Within the session's transaction, let owner declarations be deleted; then refuse again."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("ALTER TABLE owner_declaration DISABLE TRIGGER owner_declaration_write_once")
        yield
        connection.exec_driver_sql("ALTER TABLE owner_declaration ENABLE TRIGGER owner_declaration_write_once")
        return
    triggers = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'owner_declaration'"
    ).all()
    for name, _sql in triggers:
        connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
    yield
    for _name, sql in triggers:
        connection.exec_driver_sql(sql)


def delete_declarations(session, evidence_item_ids) -> None:
    """Delete the owner declarations of these evidence items (test clean-up only)."""
    with declarations_deletable(session):
        session.execute(delete(OwnerDeclaration).where(OwnerDeclaration.evidence_item_id.in_(evidence_item_ids)))
