"""Administrators manage categories in the admin; proposals are read there, changed in pbudget."""

from django.contrib import admin

from proposals.models import Category, Proposal


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ["title", "cycle", "district", "status", "support_count", "official_cost"]
    list_filter = ["cycle", "status", "district", "category"]
    search_fields = ["title", "summary"]
    list_select_related = ["cycle", "district"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # proposals change through their services (history, e-mail, counts)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
