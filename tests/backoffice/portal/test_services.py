"""The owner lifecycle as commands: submit, verify, review, confirm, update, withdraw."""
from datetime import date

import pytest

from backoffice.extensions import db
from backoffice.models import AuditEvent, Owner, Registration
from backoffice.models.validation import FieldError
from backoffice.portal import services
from backoffice.portal.links import LinkUsedError
from backoffice.localtime import add_year
from backoffice.portal.records import normalise_address
from backoffice.tokens import TokenError
from tests import factories
from tests.backoffice.portal.helpers import last_link, submission, token_of


def _submitted_and_verified(mailbox, **kw):
    result = services.submit_registration(submission(**kw))
    email = kw.get("email", "ana@example.net")
    services.verify_email(token_of(last_link(mailbox, email, "verify")))
    return db.session.get(Registration, result.registration_id)


def test_submission_is_pending_with_terms_and_cameras(ctx, mailbox):
    result = services.submit_registration(submission(cameras=2))
    reg = db.session.get(Registration, result.registration_id)
    assert result.outcome == "created" and result.mail_sent
    assert reg.status == "pending"
    assert reg.terms_version == "2026-1"
    assert reg.lifecycle.terms_accepted_at is not None
    assert reg.lifecycle.verified_at is None
    assert [c.label for c in reg.cameras] == ["Camera 1", "Camera 2"]
    assert reg.cameras[0].lat == pytest.approx(35.3739)
    assert last_link(mailbox, "ana@example.net", "verify")


def test_stale_terms_version_is_refused(ctx, mailbox):
    sub = submission()
    sub.terms_version = "1999-1"
    with pytest.raises(FieldError) as error:
        services.submit_registration(sub)
    assert error.value.field == "accept_terms"
    assert db.session.query(Owner).filter_by(email="ana@example.net").count() == 0


def test_same_email_and_address_is_merged_not_duplicated(ctx, mailbox):
    first = services.submit_registration(submission(cameras=1))
    second = services.submit_registration(
        submission(address="1200 truxtun ave.", cameras=2, name="Ana M. Ruiz")
    )
    assert second.outcome == "merged"
    assert second.registration_id == first.registration_id
    reg = db.session.get(Registration, first.registration_id)
    assert reg.owner.name == "Ana M. Ruiz"
    assert len(reg.cameras) == 2
    assert db.session.query(Owner).filter_by(email="ana@example.net").count() == 1


def test_resubmitting_an_active_registration_changes_nothing_and_sends_the_manage_link(ctx, mailbox):
    reg = _submitted_and_verified(mailbox)
    services.approve(reg.id, factories.user("staff"))
    mailbox.clear()
    result = services.submit_registration(submission(name="Somebody Else"))
    assert result.outcome == "already_registered"
    assert reg.owner.name == "Ana Ruiz"
    assert last_link(mailbox, "ana@example.net", "manage")


def test_verify_link_is_single_use(ctx, mailbox):
    services.submit_registration(submission())
    token = token_of(last_link(mailbox, "ana@example.net", "verify"))
    reg = services.verify_email(token)
    assert reg.lifecycle.verified_at is not None
    with pytest.raises(LinkUsedError):
        services.verify_email(token)


def test_forged_and_wrong_purpose_tokens_are_refused(ctx, mailbox):
    services.submit_registration(submission())
    token = token_of(last_link(mailbox, "ana@example.net", "verify"))
    with pytest.raises(TokenError, match="not valid"):
        services.verify_email(token[:-3] + "abc")
    with pytest.raises(TokenError, match="not valid"):
        services.confirm(token)


def test_approve_starts_the_yearly_cycle_and_emails_the_manage_link(ctx, mailbox):
    reg = _submitted_and_verified(mailbox)
    services.approve(reg.id, factories.user("staff"), today=date(2026, 3, 1))
    assert reg.status == "active"
    assert reg.registered_at is not None
    assert reg.next_confirmation_due == date(2027, 3, 1)
    assert reg.lifecycle.review_decision == "approved"
    assert last_link(mailbox, "ana@example.net", "manage")
    with pytest.raises(services.PortalError, match="already been reviewed"):
        services.approve(reg.id, factories.user("staff"))


def test_unverified_registration_cannot_be_approved(ctx, mailbox):
    result = services.submit_registration(submission())
    with pytest.raises(services.PortalError, match="not verified"):
        services.approve(result.registration_id, factories.user("staff"))


def test_reject_needs_a_reason_tells_the_owner_and_deletes_the_data(ctx, mailbox):
    reg = _submitted_and_verified(mailbox)
    reg_id = reg.id
    with pytest.raises(FieldError):
        services.reject(reg_id, factories.user("staff"), "  ")
    services.reject(reg_id, factories.user("staff"), "Address outside the county")
    assert db.session.get(Registration, reg_id) is None
    assert db.session.query(Owner).filter_by(email="ana@example.net").count() == 0
    assert "Address outside the county" in mailbox.to("ana@example.net")[-1].get_payload()


def test_merge_moves_cameras_into_the_existing_registration(ctx, mailbox):
    existing = factories.registration(cameras=1)
    reg = _submitted_and_verified(mailbox, cameras=2)
    reg_id = reg.id
    target = services.merge(reg_id, existing.id, factories.user("staff"))
    assert len(target.cameras) == 3
    assert db.session.get(Registration, reg_id) is None
    assert db.session.query(AuditEvent).filter_by(action="review.merged", object_id=reg_id).count() == 1


def test_add_year_handles_leap_day():
    assert add_year(date(2028, 2, 29)) == date(2029, 2, 28)


def test_address_normalisation():
    assert normalise_address("1200 Truxtun Avenue", "Bakersfield") == normalise_address(
        "1200  TRUXTUN AVE.", "bakersfield"
    )


def test_changing_the_email_warns_the_previous_address(ctx, mailbox):
    from backoffice.portal.notify import manage_link
    from tests.backoffice.portal.helpers import token_of as token

    reg = _submitted_and_verified(mailbox)
    services.approve(reg.id, factories.user("staff"))
    sub = submission(email="new@example.net")
    cameras = [{**c, "id": reg.cameras[0].id} for c in sub.cameras]
    services.update_registration(token(manage_link(reg)), sub.owner, sub.premises, sub.lat, sub.lon, cameras)
    assert reg.owner.email == "new@example.net"
    [warning] = [m for m in mailbox.to("ana@example.net") if m["Subject"] == "Your Camera Registry email was changed"]
    assert "new@example.net" in warning.get_payload()


def test_a_merge_into_another_place_or_no_registration_is_refused(ctx, mailbox):
    far = factories.registration(lat=35.3433, lon=-119.0187, cameras=1)  # 3.3 km south
    reg = _submitted_and_verified(mailbox, cameras=1)
    with pytest.raises(services.PortalError, match=f"Registration #{far.id} is at .* too far from these cameras"):
        services.merge(reg.id, far.id, factories.user("staff"))
    with pytest.raises(services.RegistrationNotFoundError, match="no registration number 99999999 to merge into"):
        services.merge(reg.id, 99999999, factories.user("staff"))
    db.session.expire_all()
    assert db.session.get(Registration, reg.id).status == "pending"


@pytest.mark.parametrize("lat, lon", [(0.0, 0.0), (34.0522, -118.2437)])  # null island, Los Angeles
def test_a_premises_pin_outside_the_county_is_refused(ctx, mailbox, lat, lon):
    from dataclasses import replace

    with pytest.raises(FieldError, match="within the county") as refused:
        services.submit_registration(replace(submission(), lat=lat, lon=lon))
    assert refused.value.field == "lat"
    assert db.session.query(Owner).filter_by(email="ana@example.net").count() == 0
