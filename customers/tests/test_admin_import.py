"""CSV import (command and admin) and the admin merge queue."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from customers.models import Customer, MergeCandidate
from customers.services import customer_resolve, customer_update, customers_import_csv, duplicates_scan

pytestmark = pytest.mark.django_db

CSV = """full_name,phone,email,birthday,district
Nguyễn Văn An,0912 345 678,an@x.vn,01/02/1990,Quận 1
Trần Thị Bình,+84 987 654 321,,,
Sai Số,12345,,,
Sai Email,,khong-phai-email,,
Sai Ngày,0911111111,,31/31/1990,
Nguyen Van An,84912345678,,,
"""


def test_import_reports_bad_rows_keeps_good_ones_and_can_be_rerun():
    # when
    first = customers_import_csv(lines=io.StringIO(CSV))
    again = customers_import_csv(lines=io.StringIO(CSV))
    # then
    assert (first.created, first.matched) == (2, 1)
    assert [line for line, _reason in first.errors] == [4, 5, 6]
    assert "10 chữ số" in first.errors[0][1]
    assert (again.created, again.matched) == (0, 3)
    assert Customer.objects.count() == 2
    assert Customer.objects.get(full_name="Nguyễn Văn An").district == "Quận 1"


def test_import_command(tmp_path, capsys):
    path = tmp_path / "customers.csv"
    path.write_text(CSV, encoding="utf-8")
    call_command("import_customers", str(path))
    out, err = capsys.readouterr()
    assert "Tạo mới 2" in out and "dòng 4" in err


def test_admin_search_is_folded_and_import_page_works(client, django_user_model):
    admin_user = django_user_model.objects.create_superuser("root", "r@x.vn", "pw-123456")
    client.force_login(admin_user)
    customer_resolve(full_name="Đặng Thị Hồng", phone="0909000111")
    changelist = client.get(reverse("admin:customers_customer_changelist"), {"q": "dang thi hong"})
    assert "Đặng Thị Hồng" in changelist.content.decode()
    upload = io.BytesIO(CSV.encode())
    upload.name = "c.csv"
    response = client.post(reverse("admin:customers_customer_import"), {"file": upload})
    assert response.status_code == 200 and "Sai Số" not in response.content.decode()
    assert Customer.objects.count() == 3


def test_duplicate_scan_feeds_the_merge_queue_and_admin_merges(client, django_user_model):
    # given
    a = customer_resolve(full_name="Lý Thị Hoa", phone="0909000222").customer
    b = customer_resolve(full_name="Ly Thi Hoa", email="hoa@x.vn").customer
    for c in (a, b):
        customer_update(customer=c, district="Quận 3")
    # when
    assert duplicates_scan() == 1
    candidate = MergeCandidate.objects.get()
    admin_user = django_user_model.objects.create_superuser("root", "r@x.vn", "pw-123456")
    client.force_login(admin_user)
    page = client.get(reverse("admin:customers_mergecandidate_change", args=[candidate.pk]))
    assert "hoa@x.vn" in page.content.decode() and "+84909000222" in page.content.decode()
    client.post(
        reverse("admin:customers_mergecandidate_changelist"),
        {"action": "merge_b_into_a", "_selected_action": [candidate.pk]},
    )
    # then
    assert Customer.objects.get(pk=candidate.customer_b_id).merged_into_id == candidate.customer_a_id
    assert MergeCandidate.objects.get().status == "merged"


def test_admin_exports_and_erases_personal_data(client, django_user_model):
    customer = customer_resolve(full_name="Mai Anh", phone="0909000333").customer
    admin_user = django_user_model.objects.create_superuser("root", "r@x.vn", "pw-123456")
    client.force_login(admin_user)
    url = reverse("admin:customers_customer_changelist")
    export = client.post(url, {"action": "export_personal_data", "_selected_action": [customer.pk]})
    assert export.json()["customer"]["full_name"] == "Mai Anh"
    client.post(url, {"action": "erase_personal_data", "_selected_action": [customer.pk]})
    customer.refresh_from_db()
    assert customer.is_erased and customer.full_name == ""


def test_admin_lists_keep_a_flat_query_count(client, django_user_model, django_assert_max_num_queries):
    from customers.services import segment_sync_members
    from customers.tests.factories import SegmentFactory

    admin_user = django_user_model.objects.create_superuser("root", "r@x.vn", "pw-123456")
    client.force_login(admin_user)
    customers = [customer_resolve(full_name=f"K {i}", phone=f"09090010{i:02d}").customer for i in range(30)]
    for i in range(5):
        segment_sync_members(segment=SegmentFactory(), customer_ids=[c.pk for c in customers[i:]])
    for url in ("admin:customers_customer_changelist", "admin:customers_segment_changelist"):
        with django_assert_max_num_queries(12):
            assert client.get(reverse(url)).status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_big_import_refreshes_the_planners_statistics(monkeypatch):
    # given an import big enough to change the tables' size (the floor lowered for the test)
    from django.db import connection

    import customers.services as customer_services

    monkeypatch.setattr(customer_services, "IMPORT_ANALYZE_ROWS", 2)

    def analyzed() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'customers_customer'")
            return cursor.fetchone()[0]

    before = analyzed()
    # when
    report = customers_import_csv(lines=io.StringIO(CSV))
    # then ANALYZE ran on what it filled, whatever autovacuum does
    assert report.created == 2
    assert analyzed() == before + 1
