"""Writing the access log: one INSERT per event, never blocking what is logged.

client_address() is the one place that decides a request's address; it asks django-axes'
helper, which uses django-ipware (and the AXES_IPWARE_* proxy settings) when installed and
REMOTE_ADDR otherwise, so the log and the lockout always agree on who the client is.
"""

import logging

from axes.helpers import get_client_ip_address
from django.db import DatabaseError, transaction

from .models import AccessEvent

logger = logging.getLogger(__name__)


def client_address(request) -> str | None:
    if request is None:
        return None
    try:
        return get_client_ip_address(request) or None
    except Exception:  # a malformed header must never stop the request being logged
        return request.META.get("REMOTE_ADDR") or None


def record(
    request, kind, *, what="", outcome=AccessEvent.Outcome.SUCCESS, user=None, username=None, ward=None
):
    """Add one line. A failure to write the log is itself logged, never raised to the person."""
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        user = candidate if candidate is not None and candidate.is_authenticated else None
    try:
        # A savepoint of its own: a failed INSERT must not break the transaction of the request.
        with transaction.atomic():
            AccessEvent.objects.create(
                user=user,
                username=(username if username is not None else (user.get_username() if user else ""))[:150],
                address=client_address(request),
                kind=kind,
                what=what[:300],
                outcome=outcome,
                ward=ward,
            )
    except (DatabaseError, ValueError):
        logger.exception("access log not written: %s %s", kind, what)
