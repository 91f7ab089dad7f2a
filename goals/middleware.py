"""Nothing typed is lost when the session expired while someone was writing.

An anonymous POST to a form view marked with @keeps_post_across_login is kept
in the (anonymous) session before LoginRequiredMiddleware sends the person
to sign in. Django's login() keeps an anonymous session's data when it
cycles the key, so the form view finds the text again after sign-in.
"""

from django.contrib import messages

SESSION_KEY = "kept_posts"
MAX_KEPT = 5
# The forms say whose text it is: on a shared PC the next person to sign in must not get it.
AUTHOR_FIELD = "kept_for"
NOT_KEPT = {"csrfmiddlewaretoken", AUTHOR_FIELD}


def keeps_post_across_login(view):
    view.keeps_post_across_login = True
    return view


def pop_kept_post(request) -> dict | None:
    """The fields this person posted to this path before signing in again, once; else None."""
    kept = request.session.get(SESSION_KEY)
    if not kept or request.path not in kept:
        return None
    entry = kept.pop(request.path)
    request.session[SESSION_KEY] = kept
    if entry["author"] != str(request.user.pk):
        return None
    return entry["fields"]


class KeepPostAcrossLoginMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if (
            request.method == "POST"
            and not request.user.is_authenticated
            and getattr(view_func, "keeps_post_across_login", False)
        ):
            fields = {k: request.POST.getlist(k) for k in request.POST if k not in NOT_KEPT}
            kept = request.session.get(SESSION_KEY, {})
            kept.pop(request.path, None)
            kept[request.path] = {"author": request.POST.get(AUTHOR_FIELD, ""), "fields": fields}
            while len(kept) > MAX_KEPT:
                kept.pop(next(iter(kept)))
            request.session[SESSION_KEY] = kept
            messages.warning(
                request,
                "ログインの有効期限が切れていたため、まだ保存されていません。入力した内容は預かっています。"
                "もう一度ログインすると入力画面に戻り、内容が復元されます。",
            )
        return None
