"""owners' phones and e-mail addresses in the normal form of the field rules

Phones were stored as typed ("661-555-0142"); the phone rule stores E.164 plus ";ext=N"
(RFC 3966) and e-mail addresses lower-case with the domain in Unicode. Rows written before
are brought to the same form, so that equal numbers and addresses compare equal. A value the
rules cannot read is left as it is (it is shown as stored, and must be corrected when the
owner is next edited). Data only: the downgrade leaves the values in their normal form,
which the older code reads as well.

Revision ID: 0010
Revises: 0009

"""
import phonenumbers
import sqlalchemy as sa
from alembic import op
from email_validator import EmailNotValidError, validate_email

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

PHONE_REGION = "US"
MAX_PHONE_EXTENSION = 10

owner = sa.table(
    "owner",
    sa.column("id", sa.Integer),
    sa.column("email", sa.String),
    sa.column("phone", sa.String),
)


def normal_phone(text: str | None) -> str | None:
    """E.164 plus ";ext=N" (the phone rule of this revision), or None when unreadable."""
    try:
        number = phonenumbers.parse(text.strip(), PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number) or len(number.extension or "") > MAX_PHONE_EXTENSION:
        return None
    stored = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return stored + (f";ext={number.extension}" if number.extension else "")


def normal_email(text: str | None) -> str | None:
    """Lower-case, the domain in Unicode (the e-mail rule of this revision), or None."""
    try:
        address = validate_email(text.strip(), check_deliverability=False)
    except EmailNotValidError:
        return None
    return f"{address.local_part.lower()}@{address.domain}"


def normalise_contacts(bind) -> int:
    """Rewrite owners' phones and e-mails in their normal form; returns how many rows changed."""
    changed = 0
    rows = bind.execute(
        sa.select(owner.c.id, owner.c.email, owner.c.phone)
        .where(sa.or_(owner.c.email.is_not(None), owner.c.phone.is_not(None)))
        .order_by(owner.c.id)
    ).all()
    for row_id, email, phone in rows:
        values = {}
        if phone and (new := normal_phone(phone)) and new != phone:
            values["phone"] = new
        if email and (new := normal_email(email)) and new != email:
            values["email"] = new
        if values:
            bind.execute(owner.update().where(owner.c.id == row_id).values(**values))
            changed += 1
    return changed


def upgrade():
    normalise_contacts(op.get_bind())


def downgrade():
    pass  # the normal forms are valid values for the older code too
