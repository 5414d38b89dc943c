"""The OpenAPI schema (`/api/v1/schema/`, drf-spectacular) tells the truth about what the API answers.

- `AutoSchema` marks a response field nullable when the model column it reads (through its
  `source`, across relations) may be NULL: a nested serializer of an optional foreign key, a
  `source="campaign.code"` through an optional one. Explicit `allow_null=True` still works.
- `postprocess_error_responses` documents the one error body (`ErrorBody`) on every operation
  for the error statuses the API answers (o2o_site.api.exception_handler, o2o_site.errors).
- `format: time` becomes a pattern: Django writes "12:00:00", JSON Schema's `time` wants an offset.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular import openapi
from rest_framework import serializers

ERROR_STATUSES = {
    "400": "Dữ liệu không hợp lệ hoặc không đọc được.",
    "401": "Thiếu hoặc sai thông tin xác thực.",
    "403": "Không có quyền.",
    "404": "Không tìm thấy.",
    "405": "Phương thức không được hỗ trợ.",
    "409": "Xung đột với dữ liệu hiện có.",
    "413": "Nội dung gửi lên quá lớn.",
    "414": "Địa chỉ quá dài.",
    "415": "Kiểu nội dung không được hỗ trợ.",
    "422": "Quy tắc nghiệp vụ không cho phép.",
    "429": "Quá nhiều yêu cầu.",
    "500": "Lỗi máy chủ.",
    "503": "Dịch vụ tạm thời không sẵn sàng hoặc yêu cầu quá lâu.",
}

ERROR_BODY = {
    "type": "object",
    "description": 'Mọi lỗi của API: {"error": {"code", "message", "fields"}}.',
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "Mã lỗi ổn định, cho máy đọc."},
                "message": {"type": "string", "description": "Câu báo lỗi cho người đọc."},
                "fields": {
                    "type": "object",
                    "description": 'Tên trường (lồng nhau: "lines.0.sku") → các thông báo.',
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}

TIME_PATTERN = r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"


def _source_is_nullable(field: serializers.Field) -> bool:
    """Whether the model column behind a serializer field may be NULL (or a relation on the way)."""
    parent = getattr(field, "parent", None)
    if isinstance(parent, serializers.ListSerializer):
        parent = parent.parent
    model = getattr(getattr(parent, "Meta", None), "model", None)
    source_attrs = getattr(field, "source_attrs", None)
    if model is None or not source_attrs:
        return False
    for attr in source_attrs:
        try:
            model_field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            return False
        if getattr(model_field, "null", False) or (model_field.one_to_one and model_field.auto_created):
            return True
        model = getattr(model_field, "related_model", None)
        if model is None:
            return False
    return False


class AutoSchema(openapi.AutoSchema):
    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        if (
            direction == "response"
            and isinstance(field, serializers.Field)
            and not meta.get("nullable")
            and not getattr(field, "many", False)
            and not isinstance(field, serializers.ManyRelatedField)
            and _source_is_nullable(field)
        ):
            meta["nullable"] = True
        return meta


def _walk(node):
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def postprocess_error_responses(result, generator, request, public):
    """drf-spectacular POSTPROCESSING_HOOKS entry: the error body on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["ErrorBody"] = ERROR_BODY
    ref = {"$ref": "#/components/schemas/ErrorBody"}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, description in ERROR_STATUSES.items():
                operation["responses"].setdefault(
                    status, {"description": description, "content": {"application/json": {"schema": ref}}}
                )
    for node in _walk(result):
        if node.get("format") == "time" and node.get("type") == "string":
            del node["format"]
            node["pattern"] = TIME_PATTERN
    return result
