"""django-simple-history's admin, with its version pages answering 404 for ids that cannot exist.

Its URL pattern takes any text as the version id and the lookup then fails
with a ValueError (500) on `/admin/goals/goal/1/history/abc/`.
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin as _SimpleHistoryAdmin


class SimpleHistoryAdmin(_SimpleHistoryAdmin):
    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not str(version_id).isdecimal():
            raise Http404("この変更履歴はありません。")
        try:
            self.model._meta.pk.to_python(object_id)
        except (ValidationError, ValueError, TypeError):
            raise Http404("この変更履歴はありません。") from None
        return super().history_form_view(request, object_id, version_id, extra_context)
