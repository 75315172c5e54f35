from django.contrib import admin

from precincts.models import AuditEntry, Membership, Precinct


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Precinct)
class PrecinctAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "slug", "timezone", "is_active", "hold_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "code", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["hold_reason", "hold_by", "hold_at", "created_at"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "precinct", "role", "created_at"]
    list_filter = ["role", "precinct"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "precinct__name"]
    autocomplete_fields = ["user", "precinct"]
    list_select_related = ["user", "precinct"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit trail is read-only, here as everywhere."""

    list_display = ["created_at", "action", "username", "precinct", "object_type", "object_id", "ip_address"]
    list_filter = ["action", "precinct"]
    search_fields = ["username", "object_id", "ip_address"]
    list_select_related = ["precinct"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
