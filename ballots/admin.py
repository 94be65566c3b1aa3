"""Admin screens: census imports, conflicts and booths only.

Ballots, choices and the voter roll are deliberately not registered: no admin screen
shows who voted next to what was voted.
"""

from django.contrib import admin

from ballots.models import Booth, CensusConflict, CensusImport


@admin.register(CensusImport)
class CensusImportAdmin(admin.ModelAdmin):
    list_display = [
        "file_name",
        "status",
        "total_rows",
        "created_rows",
        "updated_rows",
        "created_at",
    ]
    readonly_fields = [f.name for f in CensusImport._meta.fields]


@admin.register(CensusConflict)
class CensusConflictAdmin(admin.ModelAdmin):
    list_display = ["entry", "claimant", "status", "created_at"]
    readonly_fields = ["entry", "claimant", "created_at"]


@admin.register(Booth)
class BoothAdmin(admin.ModelAdmin):
    list_display = ["name", "cycle", "place"]
    list_filter = ["cycle"]
