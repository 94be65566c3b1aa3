from django.urls import path

from ballots import views
from ballots.counting import views as counting

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
    # The count and the results (ballots.counting).
    path("results/", counting.results_index, name="results_index"),
    path("results/<slug:slug>/", counting.results_cycle, name="results_cycle"),
    path("results/<slug:slug>/<slug:district>/", counting.results_detail, name="results_detail"),
    path(
        "results/<slug:slug>/<slug:district>/ballots.pb",
        counting.results_pabulib,
        name="results_pabulib",
    ),
    path("count/", counting.count_home, name="count_home"),
    path("count/import/", counting.count_import, name="count_import"),
    path("count/<slug:slug>/", counting.count_cycle, name="count_cycle"),
    path("count/<slug:slug>/start/", counting.count_start_all, name="count_start_all"),
    path("count/<slug:slug>/<slug:district>/", counting.count_detail, name="count_detail"),
    path(
        "count/<slug:slug>/<slug:district>/progress/",
        counting.count_progress,
        name="count_progress",
    ),
    path("count/<slug:slug>/<slug:district>/start/", counting.count_start, name="count_start"),
    path(
        "count/<slug:slug>/<slug:district>/publish/",
        counting.count_publish,
        name="count_publish",
    ),
    path(
        "count/<slug:slug>/<slug:district>/comparison/",
        counting.count_comparison,
        name="count_comparison",
    ),
]
