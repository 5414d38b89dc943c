from django.shortcuts import render

from o2o_site.roles import Role, role_required


@role_required(Role.AGENT, Role.MANAGER)
def hotline(request):
    return render(request, "o2o_site/placeholder.html", {"title": "Tổng đài"})


@role_required(Role.AGENT, Role.MANAGER)
def tickets(request):
    return render(request, "o2o_site/placeholder.html", {"title": "Yêu cầu hỗ trợ"})


def confirm(request, token):
    return render(request, "o2o_site/placeholder.html", {"title": "Xác nhận"})
