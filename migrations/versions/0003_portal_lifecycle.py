"""public portal: terms versions, registration lifecycle, single-use links, confirmation notices, address points

Revision ID: 0003
Revises: 0001

"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None

TERMS_EN = """Camera Registry Program — terms (version 2026-1)

1. Registering is voluntary and free. You can update or withdraw your registration at any time with the link we email you.
2. Nobody will access your cameras remotely. If a crime happens nearby, an investigator may contact you to ask whether you are willing to share a copy of your footage. You may say no.
3. Your name and contact details are confidential. Only verified law-enforcement users can see them, each time for a stated case, and every access is logged. You can see which agency looked at your registration, when and why.
4. Footage you share becomes evidence. It is not given to the public or the media unless the law or a court requires it, or it is needed to identify a suspect.
5. We will email you once a year to check that your details are still correct. If you do not answer within 30 days of the due date your registration lapses, and lapsed registrations are deleted after a period.
"""

TERMS_ES = """Programa de Registro de Cámaras — condiciones (versión 2026-1)

1. El registro es voluntario y gratuito. Puede actualizar o retirar su registro en cualquier momento con el enlace que le enviamos por correo.
2. Nadie accederá a sus cámaras a distancia. Si ocurre un delito cerca, un investigador puede contactarle para preguntarle si desea compartir una copia de sus grabaciones. Puede decir que no.
3. Su nombre y sus datos de contacto son confidenciales. Solo los usuarios verificados de las fuerzas del orden pueden verlos, cada vez para un caso concreto, y cada acceso queda registrado. Usted puede ver qué agencia consultó su registro, cuándo y por qué.
4. Las grabaciones que comparta pasan a ser pruebas. No se entregan al público ni a los medios salvo que la ley o un tribunal lo exija, o que sea necesario para identificar a un sospechoso.
5. Le escribiremos una vez al año para comprobar que sus datos siguen siendo correctos. Si no responde en los 30 días siguientes a la fecha indicada, su registro caduca, y los registros caducados se eliminan pasado un tiempo.
"""


def upgrade():
    terms = op.create_table(
        "terms_version",
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("body_es", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("version"),
    )
    op.create_table(
        "registration_lifecycle",
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("terms_accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("review_decision", sa.String(length=10), nullable=True),
        sa.Column("review_reason", sa.Text(), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("lapsed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pii_removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("manage_key", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["registration_id"], ["registration.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("registration_id"),
    )
    with op.batch_alter_table("registration_lifecycle", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registration_lifecycle_verified_at"), ["verified_at"], unique=False
        )
    op.create_table(
        "used_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("purpose", "nonce"),
    )
    op.create_table(
        "confirmation_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["registration_id"], ["registration.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("registration_id", "due_date"),
    )
    with op.batch_alter_table("confirmation_notice", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_confirmation_notice_registration_id"), ["registration_id"], unique=False
        )
    op.create_table(
        "address_point",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("postal_code", sa.String(length=10), nullable=False),
        sa.Column("search_key", sa.String(length=400), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("address", "city", "postal_code"),
    )
    with op.batch_alter_table("address_point", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_address_point_search_key"), ["search_key"], unique=False
        )
    op.bulk_insert(
        terms,
        [
            {
                "version": "2026-1",
                "published_at": datetime(2026, 1, 1, tzinfo=timezone.utc),
                "body_en": TERMS_EN,
                "body_es": TERMS_ES,
            }
        ],
    )


def downgrade():
    with op.batch_alter_table("address_point", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_address_point_search_key"))
    op.drop_table("address_point")
    with op.batch_alter_table("confirmation_notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_confirmation_notice_registration_id"))
    op.drop_table("confirmation_notice")
    op.drop_table("used_link")
    with op.batch_alter_table("registration_lifecycle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registration_lifecycle_verified_at"))
    op.drop_table("registration_lifecycle")
    op.drop_table("terms_version")
