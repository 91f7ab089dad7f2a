"""Every page is behind sign-in (LoginRequiredMiddleware)."""

from django.urls import reverse


def test_anonymous_is_sent_to_the_login_page(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_speaks_japanese_and_signs_in(client, editor):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert "ユーザー名" in page.content.decode() and "パスワード" in page.content.decode()
    response = client.post(reverse("login"), {"username": editor.username, "password": editor.raw_password})
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user == editor


def test_wrong_password_is_refused_with_a_message(client, editor):
    response = client.post(reverse("login"), {"username": editor.username, "password": "wrong"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "ユーザー名またはパスワードが違います。" in page
    # The app's own words, not Django's default sentence about case-sensitive fields.
    assert "正しいユーザー名とパスワードを入力してください" not in page
