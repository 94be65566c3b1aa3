from django.urls import path

from coproduction import views

app_name = "coproduction"

urlpatterns = [
    path("coproduction/", views.dashboard, name="dashboard"),
    path("coproduction/cycles/<slug:slug>/", views.dashboard, name="cycle_dashboard"),
    path("coproduction/skills/", views.skill_list, name="skill_list"),
    path("coproduction/offers/", views.offer_search, name="offer_search"),
    path("coproduction/offers/<int:pk>/contact/", views.offer_contact, name="offer_contact"),
    path("coproduction/proposals/<int:pk>/pledge/", views.pledge_create, name="pledge_create"),
    path("coproduction/pledges/<int:pk>/withdraw/", views.pledge_withdraw, name="pledge_withdraw"),
    path("coproduction/pledges/review/", views.pledge_review_list, name="pledge_review_list"),
    path("coproduction/pledges/<int:pk>/decide/", views.pledge_decide, name="pledge_decide"),
    path("coproduction/projects/<int:pk>/", views.project_detail, name="project"),
    path("coproduction/projects/<int:pk>/log/", views.entry_create, name="entry_create"),
    path("coproduction/ledger/", views.ledger_queue, name="ledger_queue"),
    path("coproduction/entries/<int:pk>/", views.entry_detail, name="entry_detail"),
    path("coproduction/entries/<int:pk>/evidence/", views.entry_evidence, name="entry_evidence"),
    path("coproduction/entries/<int:pk>/decide/", views.entry_decide, name="entry_decide"),
    path("coproduction/entries/<int:pk>/reverse/", views.entry_reverse, name="entry_reverse"),
    path("coproduction/rates/", views.rate_list, name="rate_list"),
    path("coproduction/rates/new/", views.rate_create, name="rate_create"),
    path("coproduction/cycles/<slug:slug>/revalue/", views.revalue, name="revalue"),
    path("me/contributions/", views.mine, name="mine"),
    path("me/contributions/offer/", views.offer_edit, name="offer_edit"),
]

# Finance: budget lines and exports (coproduction/finance/).
from coproduction.finance import views as finance_views  # noqa: E402

urlpatterns += [
    path("finance/", finance_views.finance_index, name="finance"),
    path("finance/cycles/<slug:slug>/", finance_views.finance_cycle, name="finance_cycle"),
    path(
        "finance/cycles/<slug:slug>/projects/<int:pk>/codes/",
        finance_views.budget_coding_edit,
        name="finance_coding",
    ),
    path(
        "finance/cycles/<slug:slug>/exports/",
        finance_views.export_create,
        name="finance_export_create",
    ),
    path("finance/exports/<int:pk>/", finance_views.export_status, name="finance_export"),
    path(
        "finance/exports/download/<str:token>/",
        finance_views.export_download,
        name="finance_download",
    ),
]
