"""The project's URLs plus one view that fails, to see what a 500 leaves in the log."""

from django.urls import include, path


def failing_view(request):
    raise RuntimeError("計算に失敗しました（ログの確認用）")


urlpatterns = [path("failing/", failing_view), path("", include("kojo_shishin.urls"))]
