"""What a Japanese office sees in the admin is in Japanese, django-axes' sections included."""

import re

from django.contrib import admin
from django.urls import reverse


def test_every_section_and_model_of_the_admin_index_is_japanese(client, superuser):
    client.force_login(superuser)
    page = client.get(reverse("admin:index")).content.decode()
    for english in ("Access attempts", "Access failures", "Access logs", "Axes", "Access attempt"):
        assert english not in page
    for japanese in (
        "ログインの保護",
        "ログイン試行（ロック状況）",
        "ログイン失敗の記録",
        "ログイン記録",
        "所属",
    ):
        assert japanese in page
    # Every model registered in the admin has a name with Japanese in it.
    for model in admin.site._registry:
        name = str(model._meta.verbose_name_plural)
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", name), f"{model.__name__}: {name}"


def test_axes_lists_have_japanese_columns_filters_and_actions(client, superuser):
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(
        username="someone",
        ip_address="127.0.0.1",
        user_agent="test",
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=3,
    )
    client.force_login(superuser)
    page = client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    for japanese in ("IPアドレス", "ユーザー名", "失敗回数", "期限切れの試行を削除する"):
        assert japanese in page
    assert "Clean up expired attempts" not in page and "Failed Logins" not in page


def test_the_membership_admin_shows_the_dates_and_keeps_history(client, superuser, editor):
    from departments.models import Membership

    client.force_login(superuser)
    page = client.get(reverse("admin:departments_membership_changelist")).content.decode()
    assert "開始日" in page and "終了日" in page
    membership = Membership.objects.get(user=editor)
    history = client.get(reverse("admin:departments_membership_history", args=[membership.pk]))
    assert history.status_code == 200
