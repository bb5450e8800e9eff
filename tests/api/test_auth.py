"""Tokens: obtained with username and password, revocable, attempts throttled."""

import pytest
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from .conftest import PASSWORD, client_for, make_user, problem

URL = "/api/v1/auth/token"


@pytest.mark.django_db
def test_a_user_exchanges_username_and_password_for_a_token_that_signs_requests():
    # given a user
    user = make_user()
    # when they sign in
    response = APIClient().post(URL, {"username": user.username, "password": PASSWORD})
    # then they get a token that authenticates API calls
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=user).key == token
    signed = APIClient()
    signed.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert signed.get("/api/v1/loans").status_code in (200, 403)  # 403: not a borrower


@pytest.mark.django_db
def test_wrong_password_is_a_401_problem_that_does_not_say_which_part_was_wrong():
    user = make_user()
    for username, password in ((user.username, "nope"), ("nobody-here", PASSWORD)):
        response = APIClient().post(URL, {"username": username, "password": password})
        body = problem(response)
        assert response.status_code == 401
        assert body["detail"] == "The username or password is not correct."


@pytest.mark.django_db
def test_missing_fields_are_a_400_problem_naming_each_field():
    body = problem(APIClient().post(URL, {}, format="json"))
    assert body["status"] == 400
    assert set(body["errors"]) == {"username", "password"}


@pytest.mark.django_db
def test_an_inactive_user_gets_no_token():
    user = make_user(is_active=False)
    response = APIClient().post(URL, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 401


@pytest.mark.django_db
def test_a_revoked_token_no_longer_authenticates():
    # given a signed-in borrower
    user = make_user()
    client = client_for(user)
    # when they sign out
    assert client.delete(URL).status_code == 204
    # then the same token is refused with a 401 challenge
    response = client.get("/api/v1/loans")
    body = problem(response)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert body["type"].endswith("/authentication-failed")
    assert not Token.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_signing_out_needs_a_token():
    response = APIClient().delete(URL)
    assert problem(response)["status"] == 401


@pytest.mark.django_db
def test_login_attempts_are_throttled_per_client_address():
    user = make_user()
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "auth_token": "3/min"}
    rest = {**api_settings.user_settings, "DEFAULT_THROTTLE_RATES": rates}
    with override_settings(REST_FRAMEWORK=rest):
        client = APIClient()
        codes = [
            client.post(URL, {"username": user.username, "password": "wrong"}).status_code
            for _ in range(3)
        ]
        # even the right password is refused once the address is over its rate
        blocked = client.post(URL, {"username": user.username, "password": PASSWORD})
    assert codes == [401, 401, 401]
    body = problem(blocked)
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert body["type"].endswith("/throttled")
