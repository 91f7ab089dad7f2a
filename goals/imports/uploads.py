"""Upload handling that refuses oversized files while they stream in."""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile


class SizeLimitedUploadHandler(FileUploadHandler):
    """Drops a file as soon as it passes IMPORT_MAX_UPLOAD_BYTES.

    Django would otherwise spool any size to a temporary file before a view
    could look at it. The dropped file is missing from request.FILES and
    request.upload_too_large names it, so the form can say why.
    """

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > settings.IMPORT_MAX_UPLOAD_BYTES:
            self.request.upload_too_large = self.field_name
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None
