from django.shortcuts import render

from o2o_site.roles import Role, role_required


@role_required(Role.CASHIER)
def cashier(request):
    return render(request, "o2o_site/placeholder.html", {"title": "Quầy thu ngân"})
