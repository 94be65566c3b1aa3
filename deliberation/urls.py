from django.urls import path

from deliberation import views

app_name = "deliberation"

urlpatterns = [
    path("forum/", views.forum_index, name="forum_index"),
    path("forum/<slug:slug>/", views.forum_cycle, name="forum_cycle"),
    path("forum/<slug:slug>/new/", views.topic_create, name="topic_create"),
    path("discussion/topic/<int:pk>/", views.topic_detail, name="topic_detail"),
    path("discussion/topic/<int:pk>/comment/", views.comment_create, name="comment_create"),
    path("discussion/proposal/<int:pk>/", views.proposal_discussion, name="proposal_discussion"),
    path(
        "discussion/proposal/<int:pk>/fragment/",
        views.proposal_discussion_fragment,
        name="proposal_discussion_fragment",
    ),
    path(
        "discussion/proposal/<int:pk>/comment/",
        views.proposal_comment_create,
        name="proposal_comment_create",
    ),
    path("discussion/comment/<int:pk>/edit/", views.comment_edit, name="comment_edit"),
    path("discussion/comment/<int:pk>/delete/", views.comment_delete, name="comment_delete"),
    path("discussion/comment/<int:pk>/helpful/", views.comment_helpful, name="comment_helpful"),
    path("moderation/flag/<str:kind>/<int:pk>/", views.flag_create, name="flag_create"),
    path("moderation/", views.moderation_queue, name="moderation_queue"),
    path("moderation/item/<str:kind>/<int:pk>/", views.moderation_item, name="moderation_item"),
    path("moderation/log/", views.moderation_log, name="moderation_log"),
    path("moderation/suspensions/", views.suspension_list, name="suspension_list"),
    path("moderation/suspensions/<int:pk>/lift/", views.suspension_lift, name="suspension_lift"),
    path("common-ground/", views.commonground_list, name="commonground_list"),
    path("common-ground/new/", views.commonground_create, name="commonground_create"),
    path("common-ground/<int:pk>/", views.commonground_detail, name="commonground_detail"),
    path("common-ground/<int:pk>/statement/", views.statement_create, name="statement_create"),
    path("common-ground/<int:pk>/report/", views.commonground_report, name="commonground_report"),
    path("common-ground/statement/<int:pk>/vote/", views.statement_vote, name="statement_vote"),
]
