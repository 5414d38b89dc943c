from django.shortcuts import render

from o2o_site.roles import Role, role_required


@role_required(Role.MANAGER, Role.MARKETING)
def index(request):
    return render(request, "o2o_site/placeholder.html", {"title": "Báo cáo"})
