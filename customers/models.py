from django.db import models
from django.utils.translation import gettext_lazy as _


class Customer(models.Model):
    """One person, merged from every touchpoint. Identifiers live in contact points."""

    full_name = models.CharField(_("họ tên"), max_length=200, blank=True)
    # Folded (lowercase ASCII) name, written at save time by services, for search.
    search_name = models.CharField(max_length=200, blank=True, db_index=True, editable=False)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
        verbose_name=_("đã gộp vào"),
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("khách hàng")
        verbose_name_plural = _("khách hàng")

    def __str__(self) -> str:
        return self.full_name or f"#{self.pk}"
