from django.urls import path

from proposals import views

app_name = "proposals"

urlpatterns = [
    path("proposals/", views.proposal_list, name="list"),
    path("proposals/new/", views.proposal_create, name="create"),
    path("proposals/<int:pk>/", views.proposal_detail, name="detail"),
    path("proposals/<int:pk>/edit/", views.proposal_edit, name="edit"),
    path("proposals/<int:pk>/submit/", views.proposal_submit, name="submit"),
    path("proposals/<int:pk>/withdraw/", views.proposal_withdraw, name="withdraw"),
    path("proposals/<int:pk>/support/", views.proposal_support, name="support"),
    path("proposals/<int:pk>/follow/", views.proposal_follow, name="follow"),
    path("projects/", views.project_list, name="project_list"),
    path("staff/proposals/review/", views.review_queue, name="review_queue"),
    path("staff/proposals/<int:pk>/review/", views.proposal_review, name="review"),
    path("staff/proposals/<int:pk>/merge/", views.proposal_merge, name="merge"),
    path("staff/projects/<int:pk>/updates/new/", views.project_update_create, name="update_create"),
]
