"""the owner's declaration at upload (recorder clock, unaltered copy, consent scope), bound to
the file's SHA-256 and written once: the database refuses every UPDATE and DELETE of it

Revision ID: 0020
Revises: 0018

"""
import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0018"
branch_labels = None
depends_on = None

_MESSAGE = "owner declarations are write-once"


def upgrade() -> None:
    op.create_table(
        "owner_declaration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evidence_item_id", sa.Integer(), sa.ForeignKey("evidence_item.id"), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("no_clock", sa.Boolean(), nullable=False),
        sa.Column("reading_typed", sa.String(40)),
        sa.Column("recorder_reading", sa.String(19)),
        sa.Column("browser_read_ms", sa.BigInteger()),
        sa.Column("browser_sent_ms", sa.BigInteger()),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at_source", sa.String(10), nullable=False),
        sa.Column("clock_offset_s", sa.Integer()),
        sa.Column("unaltered_copy", sa.Boolean(), nullable=False),
        sa.Column("consent_scope", sa.String(20), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("evidence_item_id", name="uq_owner_declaration_evidence_item"),
        sa.CheckConstraint("unaltered_copy", name="ck_owner_declaration_unaltered"),
        sa.CheckConstraint("consent_scope IN ('evidence_only', 'media_release')", name="ck_owner_declaration_scope"),
        sa.CheckConstraint("no_clock OR recorder_reading IS NOT NULL", name="ck_owner_declaration_clock"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""CREATE FUNCTION owner_declaration_write_once() RETURNS trigger AS $$
           BEGIN
             RAISE EXCEPTION '{_MESSAGE}';
           END $$ LANGUAGE plpgsql""")
        op.execute("CREATE TRIGGER owner_declaration_write_once BEFORE UPDATE OR DELETE ON owner_declaration"
                   " FOR EACH ROW EXECUTE FUNCTION owner_declaration_write_once()")
        op.execute("CREATE TRIGGER owner_declaration_no_truncate BEFORE TRUNCATE ON owner_declaration"
                   " FOR EACH STATEMENT EXECUTE FUNCTION owner_declaration_write_once()")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER owner_declaration_no_{verb.lower()} BEFORE {verb} ON owner_declaration"
                       f" BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE owner_declaration")
        op.execute("DROP FUNCTION owner_declaration_write_once()")
    else:
        op.execute("DROP TRIGGER IF EXISTS owner_declaration_no_update")
        op.execute("DROP TRIGGER IF EXISTS owner_declaration_no_delete")
        op.drop_table("owner_declaration")
