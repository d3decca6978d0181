

def test_the_list_buttons_delete_asks_for_the_reason_first(client):
    pk = _records()["case"]
    login(client, "admin")
    token = csrf_token(client, "/caseview/list/")

    asked = client.post(f"/caseview/delete/{pk}", data={"csrf_token": token})  # FAB's bin icon posts this

    assert asked.status_code == 200 and "Why delete it" in asked.get_data(as_text=True)
    assert _exists("case", pk)


def test_staff_remove_a_camera_on_its_screen_with_a_reason(client):
    reg = factories.registration(cameras=2)
    camera_id = reg.cameras[0].id
    db.session.commit()
    login(client, "staff")
    token = csrf_token(client, f"/cameraview/delete/{camera_id}")

    done = client.post(f"/cameraview/delete/{camera_id}", data={"csrf_token": token, "reason": "Taken down"})

    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Camera, camera_id) is None
    assert [(e["reason"], e["username"]) for e in _delete_events("camera.deleted", camera_id)] == [("Taken down", "staff")]


def test_an_admin_deletes_a_user_with_a_reason(client):
    from backoffice.models import AgencyUser

    def make():
        user = AgencyUser(first_name="Temp", last_name="User", username="temp.delete.me",
                          email="temp.delete.me@kern-sheriff.example.org", active=True,
                          agency_id=factories.agency(0).id)
        db.session.add(user)
        db.session.commit()
        return user.id
    user_id = make()
    login(client, "admin")
    token = csrf_token(client, f"/users/delete/{user_id}")

    refused = client.post(f"/users/delete/{user_id}", data={"csrf_token": token, "reason": ""})
    done = client.post(f"/users/delete/{user_id}", data={"csrf_token": token, "reason": "Left the agency"})

    assert refused.status_code == 400 and done.status_code == 302
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user_deleted",
                                                         AuditEvent.object_id == user_id)).all()
    assert [json.loads(e.detail)["reason"] for e in events] == ["Left the agency"]
    assert [json.loads(e.detail)["username"] for e in events] == ["temp.delete.me"]
