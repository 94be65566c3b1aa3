from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext as _

from pbudget import registry, services
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

    # Budgets are frozen once voting opens: shown, not editable (obj is the cycle).
    def has_add_permission(self, request, obj=None):
        return not (obj and obj.is_voting_frozen) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not (obj and obj.is_voting_frozen) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.is_voting_frozen) and super().has_delete_permission(request, obj)


class CycleAdminForm(forms.ModelForm):
    """Checks a change with the rules of ``services.cycle_update``."""

    class Meta:
        model = Cycle
        fields = "__all__"  # noqa: DJ007  (the admin shows every field)

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            stored = Cycle.objects.get(pk=self.instance.pk)
            changes = {name: cleaned[name] for name in self.changed_data if name in cleaned}
            services.cycle_check_update(cycle=stored, fields=changes, budgets={})
        return cleaned


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    form = CycleAdminForm
    list_display = ["name", "fiscal_year", "currency", "ideas_opens", "voting_closes"]
    inlines = [DistrictBudgetInline]

    def get_readonly_fields(self, request, obj=None):
        """What voting froze is shown, not editable, as on pbudget's own cycle page."""
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.is_voting_frozen:
            readonly += services.FROZEN_FIELDS
            if not services.cycle_closing_movable(cycle=obj):
                readonly.append("voting_closes")
        return readonly

    def has_delete_permission(self, request, obj=None):
        if obj is not None and registry.cycle_fact("has_ballots", obj.pk):
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        """Cycles with ballots are listed as protected, so the admin refuses to delete."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        for cycle in objs:
            if registry.cycle_fact("has_ballots", cycle.pk):
                protected = [*protected, _("%(cycle)s (people have voted)") % {"cycle": cycle}]
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        services.cycle_delete(cycle=obj)

    def delete_queryset(self, request, queryset):
        for cycle in queryset:
            services.cycle_delete(cycle=cycle)
