from django.contrib import admin
from django.template.defaultfilters import truncatechars

from goals.admin_history import SimpleHistoryAdmin
from goals.admin_io.formats import FlatImportExportAdmin
from goals.admin_io.resources import GoalResource
from goals.models import AchievementLevel, Category, DepartmentReport, Goal, ReminderLog, ServicePolicy, Sheet


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "order"]
    list_editable = ["order"]
    search_fields = ["name"]


@admin.register(AchievementLevel)
class AchievementLevelAdmin(admin.ModelAdmin):
    list_display = ["number", "label"]
    search_fields = ["label"]


class ServicePolicyInline(admin.TabularInline):
    model = ServicePolicy
    extra = 0


@admin.register(Sheet)
class SheetAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "ward", "fiscal_year", "phase", "results_deadline"]
    list_select_related = ["ward"]
    list_filter = ["ward", "fiscal_year", "phase"]
    search_fields = ["ward__name"]
    inlines = [ServicePolicyInline]


@admin.register(ServicePolicy)
class ServicePolicyAdmin(admin.ModelAdmin):
    list_display = ["marker", "short_text", "sheet"]
    list_select_related = ["sheet__ward"]
    list_filter = ["sheet__ward", "sheet__fiscal_year"]
    search_fields = ["text"]

    @admin.display(description="方針")
    def short_text(self, policy):
        return truncatechars(policy.text, 60)


@admin.register(Goal)
class GoalAdmin(FlatImportExportAdmin, SimpleHistoryAdmin):
    resource_classes = [GoalResource]
    list_display = ["department", "number", "category", "short_text", "achievement", "sheet"]
    list_display_links = ["department", "number"]
    list_select_related = ["department", "category", "achievement", "sheet__ward"]
    list_filter = ["sheet__ward", "sheet__fiscal_year", "department", "category", "achievement"]
    search_fields = ["text", "result", "number", "department__name"]
    autocomplete_fields = ["department", "carried_from"]
    readonly_fields = ["version", "updated_at", "updated_by"]

    @admin.display(description="目標及び具体的な取組内容")
    def short_text(self, goal):
        return truncatechars(goal.text, 60)


@admin.register(DepartmentReport)
class DepartmentReportAdmin(SimpleHistoryAdmin):
    list_display = ["department", "sheet", "status", "status_changed_at", "status_changed_by"]
    list_select_related = ["department", "sheet__ward", "status_changed_by"]
    list_filter = ["sheet__ward", "sheet__fiscal_year", "status", "department"]
    search_fields = ["department__name"]


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ["date", "report", "recipients", "sent_at"]
    list_select_related = ["report__sheet__ward", "report__department"]
    list_filter = ["date"]
    readonly_fields = ["report", "date", "recipients", "sent_at"]
