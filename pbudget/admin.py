from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from pbudget.models import Cycle, District, DistrictBudget, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "is_active", "is_staff", "date_joined"]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["display_name", "language"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "is_citywide", "position"]
    prepopulated_fields = {"slug": ["name"]}


class DistrictBudgetInline(admin.TabularInline):
    model = DistrictBudget
    extra = 0


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ["name", "fiscal_year", "currency", "ideas_opens", "voting_closes"]
    inlines = [DistrictBudgetInline]
