from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from goals.admin_io.formats import FlatImportExportAdmin

from .models import City, CityStaff, Department, Membership, Ward
from .resources import DepartmentResource


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["name", "prefecture", "code"]
    search_fields = ["name", "code"]


@admin.register(CityStaff)
class CityStaffAdmin(admin.ModelAdmin):
    list_display = ["user", "city"]
    list_select_related = ["user", "city"]
    list_filter = ["city"]
    autocomplete_fields = ["user", "city"]


@admin.register(Ward)
class WardAdmin(admin.ModelAdmin):
    list_display = ["name", "office_name", "code", "city"]
    list_select_related = ["city"]
    search_fields = ["name", "office_name", "code"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "valid_from", "valid_until"]


@admin.register(Department)
class DepartmentAdmin(FlatImportExportAdmin):
    resource_classes = [DepartmentResource]
    list_display = ["name", "ward", "order", "retired_on"]
    list_select_related = ["ward"]
    list_filter = ["ward", ("retired_on", admin.EmptyFieldListFilter)]
    list_editable = ["order"]
    search_fields = ["name", "ward__name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "department", "ward", "role", "valid_from", "valid_until"]
    list_select_related = ["user", "department__ward"]
    list_filter = [
        "role",
        "department__ward",
        "department",
        "valid_from",
        ("valid_until", admin.EmptyFieldListFilter),
    ]
    search_fields = ["user__username", "user__last_name", "user__first_name", "department__name"]
    autocomplete_fields = ["user", "department"]

    @admin.display(description="区", ordering="department__ward__name")
    def ward(self, membership):
        return membership.department.ward
