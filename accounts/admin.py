"""Staff API tokens in the admin: list, issue (the key shown once) and revoke (delete). Without the
`manage_all_staff_tokens` permission a staff member sees and issues only their own."""

from __future__ import annotations

from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils import timezone

from accounts import tokens
from accounts.forms import StaffTokenAddForm
from accounts.models import StaffToken

DETAILS = ("name", "user", "key_start", "created", "expiry", "last_used_at")


def manages_all_tokens(request) -> bool:
    return request.user.has_perm("accounts.manage_all_staff_tokens")


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", "Active"), ("expired", "Expired")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "active":
            return queryset.filter(expiry__gt=now)
        if self.value() == "expired":
            return queryset.filter(expiry__lte=now)
        return queryset


@admin.register(StaffToken)
class StaffTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "key_start", "expiry", "last_used_at", "active"]
    list_filter = [StateFilter]
    list_select_related = ["user"]
    search_fields = ["name", "user__username"]
    readonly_fields = ["key_start", "created", "last_used_at"]

    def get_queryset(self, request):
        tokens_seen = super().get_queryset(request)
        return tokens_seen if manages_all_tokens(request) else tokens_seen.filter(user=request.user)

    def has_change_permission(self, request, obj=None):
        return False  # a token never changes: revoke it and issue another

    def get_fields(self, request, obj=None):
        return ["name", "user", "days"] if obj is None else list(DETAILS)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = StaffTokenAddForm
        return super().get_form(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "user" and not manages_all_tokens(request):
            field.queryset = field.queryset.filter(pk=request.user.pk)
        return field

    def get_changeform_initial_data(self, request):
        return {"user": request.user.pk}

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The page after saving shows the key; there is nothing to continue editing.
        context.update(show_save_and_continue=False, show_save_and_add_another=False)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        request.issued_key = tokens.issue(obj, days=form.cleaned_data["days"])

    def response_add(self, request, obj, post_url_continue=None):
        """The key, this once, on the page itself: not in a message, which would carry it in a cookie."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Token “{obj.name}” issued",
            "token": obj,
            "key": request.issued_key,
        }
        return TemplateResponse(request, "admin/accounts/stafftoken/issued.html", context)

    @admin.display(description="key starts with")
    def key_start(self, token: StaffToken) -> str:
        return f"{token.token_key}…"

    @admin.display(description="active", boolean=True)
    def active(self, token: StaffToken) -> bool:
        return not token.has_expired(timezone.now())
