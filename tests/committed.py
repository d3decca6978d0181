"""Helpers for tests whose data must be committed for real (threads, live servers)."""
import contextlib

from sqlalchemy import delete, select

from backoffice.extensions import db
from backoffice.models import AuditEvent, AuditHead


@contextlib.contextmanager
def audit_chain_restored(app):
    """Afterwards, remove the audit events committed inside and put the chain head back."""
    with app.app_context():
        head = db.session.get(AuditHead, 1)
        saved = (head.last_hash, head.last_event_id, head.count)
        last_event = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
        db.session.remove()
    try:
        yield
    finally:
        with app.app_context():
            db.session.execute(delete(AuditEvent).where(AuditEvent.id > (last_event or 0)))
            head = db.session.get(AuditHead, 1)
            head.last_hash, head.last_event_id, head.count = saved
            db.session.commit()
            db.session.remove()
