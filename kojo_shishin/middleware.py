from django.conf import settings
from django.http import HttpResponse
from django.utils.deprecation import MiddlewareMixin


class RequestSizeLimitMiddleware(MiddlewareMixin):
    """Refuse an oversized request before Django spools its body to disk.

    Django limits form fields (DATA_UPLOAD_MAX_MEMORY_SIZE) but streams any
    size of file upload to a temporary file; a 2 GB "workbook" would fill the
    disk before the import form could say it is too large.
    """

    def process_request(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BYTES:
            limit_mb = settings.UPLOAD_MAX_BYTES // (1024 * 1024)
            return HttpResponse(
                f"送信されたデータが大きすぎます（上限 {limit_mb} MB）。ファイルを小さくしてからやり直してください。",
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return None


class NoStoreMiddleware:
    """Pages and downloads hold what one person may read: no browser or proxy cache keeps them.

    A response that set its own Cache-Control (the admin's never_cache) keeps it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store, private"
        return response
