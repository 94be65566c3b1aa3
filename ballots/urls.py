from django.urls import path

from ballots import views

app_name = "ballots"

urlpatterns = [
    path("vote/", views.vote_home, name="vote_home"),
    path("vote/<slug:slug>/", views.ballot, name="ballot"),
    path("vote/<slug:slug>/receipt/", views.receipt, name="receipt"),
    path("census/verify/", views.verify, name="verify"),
    path("census/", views.census_home, name="census_home"),
    path("census/imports/<int:pk>/", views.census_import, name="census_import"),
    path(
        "census/imports/<int:pk>/progress/",
        views.census_import_progress,
        name="census_import_progress",
    ),
    path("census/conflicts/", views.conflict_list, name="conflict_list"),
    path("census/conflicts/<int:pk>/", views.conflict_resolve, name="conflict_resolve"),
    path("booth/", views.booth_list, name="booth_list"),
    path("booth/<int:pk>/", views.booth_detail, name="booth_detail"),
    path("booth/<int:pk>/mark/", views.booth_mark, name="booth_mark"),
    path("booth/<int:pk>/ballot/", views.booth_ballot, name="booth_ballot"),
    path(
        "booth/<int:pk>/reconciliation/",
        views.booth_reconciliation,
        name="booth_reconciliation",
    ),
    path("turnout/", views.turnout_list, name="turnout_list"),
    path("turnout/<slug:slug>/", views.turnout, name="turnout"),
    path("receipts/<slug:slug>/", views.receipts, name="receipts"),
    path("receipts/<slug:slug>/hashes.txt", views.receipts_text, name="receipts_text"),
]
