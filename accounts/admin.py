"""Staff accounts in the admin: the sign-in history, read-only; lockouts, which can be lifted; and the users
list, where a superuser resets a staff member's two-step sign-in."""

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
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

# The stock device admins show recovery codes and let anyone who may edit devices add one for someone
# else; resetting from the users list is all the clinic needs.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record of what happened: viewable with the model's view permission, changed by nobody."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.display(description="step")
def step(attempt) -> str:
    return "code" if "/mfa/" in attempt.path_info else "password"


@admin.register(AccessFailureLog)
class FailedSignInAdmin(ReadOnlyAdmin):
    """Every failed sign-in: the username tried, from which address, when, and whether it locked them out."""

    list_display = ["attempt_time", "username", "ip_address", step, "locked_out"]
    list_filter = ["locked_out", "attempt_time"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "attempt_time"
    fields = ["attempt_time", "username", "ip_address", "user_agent", "path_info", "locked_out"]


@admin.register(AccessLog)
class SignInAdmin(ReadOnlyAdmin):
    """Every password sign-in that succeeded, and when it signed out."""

    list_display = ["attempt_time", "username", "ip_address", "logout_time"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "attempt_time"
    fields = ["attempt_time", "logout_time", "username", "ip_address", "user_agent"]


@admin.register(AccessAttempt)
class LockoutCountAdmin(ReadOnlyAdmin):
    """The counts behind lockouts (a username from an address, over the window); deleting one lifts it."""

    list_display = ["attempt_time", "username", "ip_address", "failures_since_start"]
    search_fields = ["username", "ip_address"]
    fields = ["attempt_time", "username", "ip_address", "user_agent", "failures_since_start"]

    def has_delete_permission(self, request, obj=None):
        return admin.ModelAdmin.has_delete_permission(self, request, obj)


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    list_display = [*UserAdmin.list_display, "has_authenticator_app"]
    actions = ["reset_two_step_sign_in"]

    def get_queryset(self, request):
        confirmed_app = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(has_app=Exists(confirmed_app))

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
