"""An admin for records of what happened (reads of patient data, sign-ins, offers made): anyone with the
model's view permission reads them; nobody adds, changes or deletes one, superusers included."""

from django.contrib import admin


class RecordAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
