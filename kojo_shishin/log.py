"""Log lines an operator can read on standard error: when, how bad, which page, whose request.

Django's request loggers pass the request along with the record (and the
traceback as exc_info); this filter turns it into the path and the user id of
every line. Lines without a request (commands, start-up) show "-".
"""

import logging


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        record.request_path = getattr(request, "path", None) or "-"
        record.user_id = _user_id(request)
        return True


def _user_id(request) -> str:
    if request is None:
        return "-"
    try:
        user = getattr(request, "user", None)
        # Reading the user may need the database, which may be the very thing that failed.
        if user is not None and user.is_authenticated:
            return str(user.pk)
        return "anonymous"
    except Exception:
        return "?"
