"""Nothing typed is lost when the session expired, or the database failed, while someone was writing.

An anonymous POST to a form view marked with @keeps_post_across_login is kept
in the (anonymous) session before LoginRequiredMiddleware sends the person
to sign in. Django's login() keeps an anonymous session's data when it
cycles the key, so the form view finds the text again after sign-in.

Only what the view's form can hold is kept, and only for an object that
exists: anyone can post without signing in, and every kept post is a row in
the session table until `clearsessions` removes it.

A save that fails for a database reason (a dropped connection, a timeout) is
kept the same way for the signed-in person and the form is shown again.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.shortcuts import redirect

SESSION_KEY = "kept_posts"
MAX_KEPT = 5
# The forms say whose text it is: on a shared PC the next person to sign in must not get it.
AUTHOR_FIELD = "kept_for"
# A person may overshoot a text limit (the form says so and keeps the text to shorten); a
# field far beyond it, or a field the form does not have, did not come from the form.
SLACK_CHARS = 1000
SHORT_FIELD_CHARS = 100

EXPIRED = (
    "ログインの有効期限が切れていたため、まだ保存されていません。入力した内容は預かっています。"
    "もう一度ログインすると入力画面に戻り、内容が復元されます。"
)
DATABASE_FAILED = "データベースとの接続が一時的に切れたため、保存できませんでした。もう一度保存してください。"


@dataclass(frozen=True)
class KeptForm:
    form: type
    model: type  # the object named by the URL's pk

    def fields_from(self, post) -> dict | None:
        """The posted values of the form's own fields, or None when the post cannot be the form's."""
        fields = {}
        for name, field in self.form.base_fields.items():
            values = post.getlist(name)
            if not values:
                continue
            limit = getattr(field, "max_length", None)
            limit = limit + SLACK_CHARS if limit else SHORT_FIELD_CHARS
            if len(values) > 1 or len(values[0]) > limit:
                return None
            fields[name] = values
        return fields

    def object_exists(self, view_kwargs) -> bool:
        pk = view_kwargs.get("pk")
        return pk is not None and self.model._default_manager.filter(pk=pk).exists()


def keeps_post_across_login(form, model):
    """Mark a form view: a post it could not save (signed out, database failure) is kept for the person."""

    def mark(view):
        view.keeps_post_across_login = KeptForm(form, model)
        return view

    return mark


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


def _keep(request, author: str, fields: dict) -> None:
    kept = request.session.get(SESSION_KEY, {})
    kept.pop(request.path, None)
    kept[request.path] = {"author": author, "fields": fields}
    while len(kept) > MAX_KEPT:
        kept.pop(next(iter(kept)))
    request.session[SESSION_KEY] = kept


class KeepPostAcrossLoginMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        spec = getattr(view_func, "keeps_post_across_login", None)
        if request.method != "POST" or request.user.is_authenticated or spec is None:
            return None
        fields = spec.fields_from(request.POST)
        if not fields or not spec.object_exists(view_kwargs):
            return None
        _keep(request, request.POST.get(AUTHOR_FIELD, ""), fields)
        messages.warning(request, EXPIRED)
        return None

    def process_exception(self, request, exception):
        spec = getattr(getattr(request, "resolver_match", None), "func", None)
        spec = getattr(spec, "keeps_post_across_login", None)
        if (
            request.method != "POST"
            or spec is None
            or not isinstance(exception, OperationalError | InterfaceError)
            or not request.user.is_authenticated
        ):
            return None
        # The broken connection is dropped so that keeping the text (in the session) and the
        # next page open a fresh one; inside a transaction Django must clean up first.
        if not connection.in_atomic_block:
            connection.close()
        fields = spec.fields_from(request.POST)
        if not fields:
            return None
        try:
            _keep(request, str(request.user.pk), fields)
            request.session.save()
        except DatabaseError:
            return None  # the database is still away: the error page is all that can be shown
        messages.error(request, DATABASE_FAILED)
        return redirect(request.get_full_path())
