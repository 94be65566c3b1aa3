"""URLs of pbudget."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from pbudget import views
from pbudget.admin_site import guard_admin_site

guard_admin_site(admin.site)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("cycles/", views.cycle_list, name="cycle_list"),
    path("cycles/<slug:slug>/", views.cycle_detail, name="cycle_detail"),
    path("staff/", views.staff_home, name="staff_home"),
    path("staff/cycles/", views.cycle_manage_list, name="cycle_manage_list"),
    path("staff/cycles/new/", views.cycle_create, name="cycle_create"),
    path("staff/cycles/<slug:slug>/edit/", views.cycle_edit, name="cycle_edit"),
    path("staff/districts/", views.district_manage_list, name="district_manage_list"),
    path("staff/districts/new/", views.district_create, name="district_create"),
    path("staff/districts/<slug:slug>/edit/", views.district_edit, name="district_edit"),
    path("", include("proposals.urls")),
    path("", include("deliberation.urls")),
    path("", include("ballots.urls")),
    path("", include("coproduction.urls")),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += [path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]

handler403 = "pbudget.views.error_403"
handler404 = "pbudget.views.error_404"
handler500 = "pbudget.views.error_500"
