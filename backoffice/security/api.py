"""The REST login, with the one-time code (`otp`) where a second factor is required."""
from flask import Response, request
from flask_appbuilder.api import safe
from flask_appbuilder.const import (
    API_SECURITY_ACCESS_TOKEN_KEY,
    API_SECURITY_PROVIDER_DB,
    API_SECURITY_REFRESH_TOKEN_KEY,
)
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.schemas import login_post
from flask_appbuilder.security.sqla.apis import UserApi
from flask_appbuilder.security.sqla.apis.user.schema import UserPostSchema, UserPutSchema
from flask_appbuilder.views import expose
from flask_jwt_extended import create_access_token, create_refresh_token
from marshmallow import ValidationError

from ..api.schemas import RuleString
from ..models.validation import check_email
from ..api.base import ApiConventions
from . import lockout, mfa
from .web import note_sign_in

CODE_NEEDED = "A one-time code is required: send the code from your authenticator as \"otp\"."
CODE_WRONG = "The one-time code is not valid."
ENROL_FIRST = "A second factor is required: sign in on the web once to set up your authenticator."


class RegistrySecurityApi(ApiConventions, SecurityApi):
    """POST /api/v1/security/login takes username, password, provider and otp."""

    @expose("/login", methods=["POST"])
    @safe
    def login(self) -> Response:
        """Log in and get a JWT; `otp` is the one-time code when a second factor is required.
        ---
        post:
          description: >-
            Authenticate and get a JWT access token (and a refresh token if asked).
            Roles that need a second factor also send `otp`, the 6-digit code of
            their authenticator or one of their recovery codes.
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    username: {type: string}
                    password: {type: string}
                    provider: {type: string, enum: [db]}
                    refresh: {type: boolean}
                    otp: {type: string}
          responses:
            200:
              description: Authentication Successful
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
        """
        if not request.is_json or not isinstance(request.json, dict):
            return self.response_400(message="Request payload is not a JSON object")
        payload = dict(request.json)
        otp = payload.pop("otp", None)
        if otp is not None and not isinstance(otp, str):
            return self.response_400(message={"otp": ["Not a valid string."]})
        try:
            login_payload = login_post.load(payload)
        except ValidationError as error:
            return self.response_400(message=error.messages)
        if login_payload["provider"] != API_SECURITY_PROVIDER_DB:
            return self.response_400(message="Only the db provider is available")
        sm = self.appbuilder.sm
        user = sm.auth_user_db(login_payload["username"], login_payload["password"])
        if not user:
            return self.response_401()
        if sm.mfa_required_for(user):
            if not mfa.is_enrolled(user):
                return self.response(401, message=ENROL_FIRST)
            if not otp:
                return self.response(401, message=CODE_NEEDED)
            lockout.queue_sign_in(user)  # the code is spent and the sign-in counted in one turn
            if lockout.is_locked(user) or not mfa.check_code(user, otp):
                sm.second_factor_failed(user)
                return self.response(401, message=CODE_WRONG)
            sm.second_factor_passed(user)
        note_sign_in(True)
        resp = {API_SECURITY_ACCESS_TOKEN_KEY: create_access_token(identity=str(user.id), fresh=True)}
        if login_payload.get("refresh"):
            resp[API_SECURITY_REFRESH_TOKEN_KEY] = create_refresh_token(identity=str(user.id))
        return self.response(200, **resp)


class _UserPost(UserPostSchema):
    email = RuleString(check_email, value_required=True, required=True)


class _UserPut(UserPutSchema):
    email = RuleString(check_email, value_required=True)


class UserApiWithEmailRule(UserApi):
    """FAB's user API (/api/v1/security/users/) with users' e-mail held to the e-mail rule."""

    add_model_schema = _UserPost()
    edit_model_schema = _UserPut()
