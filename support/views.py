from django.shortcuts import render

from o2o_site.roles import Role, role_required


@role_required(Role.AGENT, Role.MANAGER)
def hotline(request):
    return render(request, "o2o_site/placeholder.html", {"title": "Tổng đài"})
