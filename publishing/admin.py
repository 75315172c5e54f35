"""Channels and deliveries in the admin. Secrets are write-only: typed once,
stored encrypted, never shown on any page or list."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from incidents.services.errors import Refused
from publishing import secrets, services
from publishing.models import SECRET_NAMES, Channel, Delivery


class ChannelForm(forms.ModelForm):
    url = forms.URLField(
        label="URL", max_length=300, assume_scheme="https", help_text=Channel._meta.get_field("url").help_text
    )
    secret = forms.CharField(
        label="Secret",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text="Mastodon: access token. Bluesky: app password. Webhook: shared secret. "
        "Stored encrypted and never shown; leave blank to keep the current one.",
    )

    class Meta:
        model = Channel
        fields = ["precinct", "kind", "name", "url", "handle", "is_active"]

    def clean(self):
        data = super().clean()
        secret = data.get("secret", "")
        kind = data.get("kind")
        if secret:
            if not secrets.can_store_secrets():
                raise ValidationError({"secret": secrets.MISSING_KEY_MESSAGE})
        elif not self.instance.has_secret and kind:
            raise ValidationError({"secret": f"Enter the {SECRET_NAMES.get(kind, 'secret')}."})
        if data.get("url"):
            try:
                data["url"] = services.clean_channel_url(data["url"])
            except Refused as refusal:
                self.add_error("url", refusal.message)
        return data

    def save(self, commit=True):
        channel = super().save(commit=False)
        if self.cleaned_data.get("secret"):
            channel.set_secret(self.cleaned_data["secret"])
        if commit:
            channel.save()
        return channel


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    form = ChannelForm
    list_display = ["__str__", "precinct", "kind", "url", "handle", "is_active", "last_test_ok", "last_test_at"]
    list_filter = ["kind", "is_active", "precinct"]
    search_fields = ["name", "url", "handle"]
    list_select_related = ["precinct"]
    readonly_fields = ["has_secret", "last_test_at", "last_test_ok", "last_test_message", "created_at"]
    fields = [
        "precinct",
        "kind",
        "name",
        "url",
        "handle",
        "secret",
        "has_secret",
        "is_active",
        "last_test_at",
        "last_test_ok",
        "last_test_message",
        "created_at",
    ]
    actions = ["send_test", "enable", "disable"]

    @admin.display(boolean=True, description="secret stored")
    def has_secret(self, obj):
        return obj.has_secret

    @admin.action(description="Send a test (sign in or signed ping)")
    def send_test(self, request, queryset):
        for channel in queryset:
            ok, result = services.channel_send_test(acting_user=request.user, channel=channel)
            self.message_user(request, f"{channel}: {result}", messages.SUCCESS if ok else messages.ERROR)

    @admin.action(description="Turn on")
    def enable(self, request, queryset):
        for channel in queryset:
            services.channel_set_active(acting_user=request.user, channel=channel, active=True)

    @admin.action(description="Turn off")
    def disable(self, request, queryset):
        for channel in queryset:
            services.channel_set_active(acting_user=request.user, channel=channel, active=False)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The outbox, read-only: every change goes through the pipeline's services."""

    list_display = ["id", "post", "channel", "status", "attempts", "sent_at", "retract_state", "last_error"]
    list_filter = ["status", "retract_state", "channel__kind"]
    list_select_related = ["post", "channel"]
    search_fields = ["post__id", "remote_id", "idempotency_key"]
    show_full_result_count = False
    actions = ["retry"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Retry failed deliveries")
    def retry(self, request, queryset):
        retried = 0
        for delivery in queryset.select_related("channel"):
            try:
                services.delivery_retry(acting_user=request.user, delivery=delivery)
                retried += 1
            except Refused as refusal:
                self.message_user(request, f"Delivery {delivery.pk}: {refusal.message}", messages.WARNING)
        self.message_user(request, f"Queued {retried} deliveries again.")
