from django.contrib import admin

from incidents.models import Category, FollowUp, Incident


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class FollowUpInline(admin.TabularInline):
    """History is append-only: shown, never edited here."""

    model = FollowUp
    fk_name = "incident"
    extra = 0
    can_delete = False
    fields = ["created_at", "author", "from_status", "to_status", "outcome", "internal_note", "public_note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    """Changes of status go through the desk, so that each one is a recorded follow-up."""

    list_display = ["reference", "precinct", "category", "status", "assignee", "reported_at"]
    list_filter = ["status", "precinct", "category", "source"]
    search_fields = ["reference", "public_summary"]
    list_select_related = ["precinct", "category", "assignee"]
    date_hierarchy = "reported_at"
    show_full_result_count = False
    raw_id_fields = ["duplicate_of"]
    autocomplete_fields = ["assignee", "created_by"]
    readonly_fields = [
        "reference",
        "status",
        "outcome",
        "referred_to",
        "duplicate_of",
        "resolved_at",
        "version",
        "last_activity_at",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["precinct", "reference", "status", "outcome", "referred_to", "duplicate_of"]}),
        ("Public", {"fields": ["category", "public_summary", "public_location", "reported_at", "resolved_at"]}),
        (
            "Private",
            {
                "fields": [
                    "reporter_name",
                    "reporter_phone",
                    "reporter_email",
                    "exact_address",
                    "exact_latitude",
                    "exact_longitude",
                    "internal_narrative",
                    "involved_names",
                ]
            },
        ),
        ("Workflow", {"fields": ["source", "priority", "assignee", "created_by", "version", "last_activity_at"]}),
    ]
    inlines = [FollowUpInline]

    def has_add_permission(self, request):
        # New reports are logged on the desk, which records who logged them.
        return False


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ["incident", "author", "created_at", "from_status", "to_status"]
    list_select_related = ["incident", "author"]
    raw_id_fields = ["incident", "duplicate_of"]
    search_fields = ["incident__reference"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
