"""Downloads, exports, imports, staff and admin changes into the access log, from one place.

Sign-ins and sign-outs come from the auth signals (audit/signals.py). Here a response is
logged when it is a file download (Content-Disposition: attachment: sheet PDF/XLSX, admin
exports, roster exports) or answers a POST that changes data: a workbook import, the roster,
the staff page, the admin. A view may set request.access_outcome when it refused the change
with a message rather than an error status. Anything else costs two attribute reads.
"""

from .log import record
from .models import AccessEvent

Kind, Outcome = AccessEvent.Kind, AccessEvent.Outcome

POSTS = {
    ("goals", "import_confirm"): (Kind.IMPORT, "取組シートの読み込み"),
    ("goals", "carry_forward"): (Kind.IMPORT, "次年度への引き継ぎ"),
    ("staff", "roster_commit"): (Kind.STAFF, "職員名簿の読み込み"),
    ("staff", "membership_add"): (Kind.STAFF, "所属の追加"),
    ("staff", "membership_end"): (Kind.STAFF, "所属の終了"),
    ("staff", "membership_move"): (Kind.STAFF, "異動"),
    ("staff", "setup_mail"): (Kind.STAFF, "サインイン設定メールの送信"),
}
ADMIN_NOT_LOGGED = {"login", "logout"}
PUBLIC_PREFIX = "public_"


class AccessLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is None:
            return response
        event = self._event(request, response, match)
        if event is not None:
            kind, what = event
            outcome = getattr(request, "access_outcome", None) or (
                Outcome.SUCCESS if response.status_code < 400 else Outcome.REFUSED
            )
            record(request, kind, what=what, outcome=outcome, ward=_ward(match))
        return response

    def _event(self, request, response, match):
        if (match.url_name or "").startswith(PUBLIC_PREFIX):
            # Published sheets and open data are for anyone: a download there tells nothing about
            # who saw what, and public traffic would fill the log the guideline asks us to keep.
            return None
        disposition = response.get("Content-Disposition", "")
        if disposition.startswith("attachment") and response.status_code == 200:
            return Kind.DOWNLOAD, f"{request.method} {request.get_full_path()[:200]} {_filename(disposition)}"
        if request.method != "POST":
            return None
        if (match.namespace, match.url_name) in POSTS:
            kind, label = POSTS[(match.namespace, match.url_name)]
            return kind, f"{label} {request.path[:200]}"
        if match.namespace == "admin" and match.url_name not in ADMIN_NOT_LOGGED:
            return Kind.ADMIN, f"{match.url_name} {request.path[:200]}"
        return None


def _filename(disposition: str) -> str:
    from urllib.parse import unquote

    if "filename*=utf-8''" in disposition.lower():
        return unquote(disposition.split("''", 1)[1])
    if 'filename="' in disposition:
        return disposition.split('filename="', 1)[1].rstrip('"')
    return ""


def _ward(match):
    name = match.kwargs.get("ward")
    if not name:
        return None
    from departments.models import Ward

    return Ward.objects.filter(name=name).first()
