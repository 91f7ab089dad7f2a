"""The signed-in person's own mail setting: each notice at once (都度) or a daily digest."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from goals.forms import MailSettingForm
from goals.mail.digests import delivery_of, set_delivery
from goals.models import DigestItem, MailSetting


@require_http_methods(["GET", "HEAD", "POST"])
def mail_settings(request):
    user = request.user
    form = MailSettingForm(request.POST or None, initial={"delivery": delivery_of(user)})
    if request.method == "POST" and form.is_valid():
        setting = set_delivery(user, form.cleaned_data["delivery"])
        messages.success(request, f"通知メールの受け取り方を「{setting.get_delivery_display()}」にしました。")
        return redirect("goals:mail_settings")
    context = {
        "form": form,
        "pending": DigestItem.objects.filter(user_id=user.pk, sent_at__isnull=True).count(),
        "daily": MailSetting.Delivery.DAILY,
        "has_address": bool(user.email),
    }
    return render(request, "goals/mail_settings.html", context, status=400 if form.errors else 200)
