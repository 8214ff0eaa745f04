"""Staff accounts in the admin: the sign-in history, read-only; lockouts, which can be lifted; the users
list, where a superuser resets a staff member's two-step sign-in; and staff API tokens: list, issue (the key
shown once) and revoke (delete). Without the `manage_all_staff_tokens` permission a staff member sees and
issues only their own tokens."""

from __future__ import annotations

# Imported first so that their registrations exist to be replaced: these apps come after this one in
# INSTALLED_APPS, and autodiscovery would register them afterwards. A module is imported only once.
import django_otp.plugins.otp_static.admin
import django_otp.plugins.otp_totp.admin  # noqa: F401 (the line above binds the same name)
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import tokens
from accounts.forms import StaffTokenAddForm
from accounts.models import StaffToken
from scheduling.admin.records import RecordAdmin

# The stock device admins show recovery codes and let anyone who may edit devices add one for someone
# else; resetting from the users list is all the clinic needs.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


@admin.display(description="step")
def step(attempt) -> str:
    return "code" if "/mfa/" in attempt.path_info else "password"


@admin.register(AccessFailureLog)
class FailedSignInAdmin(RecordAdmin):
    """Every failed sign-in: the username tried, from which address, when, and whether it locked them out."""

    list_display = ["attempt_time", "username", "ip_address", step, "locked_out"]
    list_filter = ["locked_out", "attempt_time"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "attempt_time"
    fields = ["attempt_time", "username", "ip_address", "user_agent", "path_info", "locked_out"]


@admin.register(AccessLog)
class SignInAdmin(RecordAdmin):
    """Every password sign-in that succeeded, and when it signed out."""

    list_display = ["attempt_time", "username", "ip_address", "logout_time"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "attempt_time"
    fields = ["attempt_time", "logout_time", "username", "ip_address", "user_agent"]


@admin.register(AccessAttempt)
class LockoutCountAdmin(RecordAdmin):
    """The counts behind lockouts (a username from an address, over the window); deleting one lifts it."""

    list_display = ["attempt_time", "username", "ip_address", "failures_since_start"]
    search_fields = ["username", "ip_address"]
    fields = ["attempt_time", "username", "ip_address", "user_agent", "failures_since_start"]

    def has_delete_permission(self, request, obj=None):
        return admin.ModelAdmin.has_delete_permission(self, request, obj)


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    list_display = [*UserAdmin.list_display, "has_authenticator_app", "linked_practitioner"]
    list_select_related = ["practitioner"]
    actions = ["reset_two_step_sign_in"]
    # The link itself is made on the practitioner's page ("User"): one account per practitioner at most.
    fieldsets = [*UserAdmin.fieldsets, ("Practitioner", {"fields": ["linked_practitioner"]})]
    readonly_fields = ["linked_practitioner"]

    def get_queryset(self, request):
        confirmed_app = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(has_app=Exists(confirmed_app))

    @admin.display(description="practitioner", ordering="practitioner__name")
    def linked_practitioner(self, user) -> str:
        practitioner = getattr(user, "practitioner", None)  # the reverse of Practitioner.user, if any
        if practitioner is None:
            return "-"
        url = reverse("admin:scheduling_practitioner_change", args=[practitioner.pk])
        return format_html('<a href="{}">{}</a>', url, practitioner.name)

    @admin.display(description="authenticator app", boolean=True, ordering="has_app")
    def has_authenticator_app(self, user) -> bool:
        return user.has_app

    def has_reset_two_step_sign_in_permission(self, request) -> bool:
        return request.user.is_superuser

    @admin.action(description="Reset two-step sign-in (app and recovery codes)", permissions=["reset_two_step_sign_in"])
    def reset_two_step_sign_in(self, request, queryset):
        users = list(queryset)
        TOTPDevice.objects.filter(user__in=users).delete()
        StaticDevice.objects.filter(user__in=users).delete()
        self.message_user(
            request,
            f"Reset for {len(users)} user(s): each sets up an authenticator app at their next sign-in.",
            messages.SUCCESS,
        )


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
