"""Foundation benchmarks: the cost of a logged-in page view through the whole middleware stack."""

from django.test import Client

from o2o_site.bench import BenchContext, measure, register
from o2o_site.demo import demo_user
from o2o_site.roles import Role


@register("o2o_site.dashboard_page")
def dashboard_page(ctx: BenchContext) -> dict:
    user = demo_user("bench-manager", "Bench Manager", Role.MANAGER)
    client = Client()
    client.force_login(user)

    def view(_i: int) -> None:
        response = client.get("/dashboard/")
        assert response.status_code == 200, response.status_code

    return measure(view, iterations=ctx.iterations)
