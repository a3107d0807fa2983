"""The shared base of every API endpoint: capability check, tenant scoping, pagination, errors.

A viewset derived from `ScopedViewSet` names the capability each action needs and gets a
queryset already filtered to the caller's scope, so an object outside it is a 404.
"""

from django.core.exceptions import FieldDoesNotExist
from django.http import JsonResponse
from django.views.defaults import page_not_found
from drf_spectacular.openapi import AutoSchema as _SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import mixins, serializers, viewsets
from rest_framework.relations import MANY_RELATION_KWARGS

from accounts.scoping import only_visible, request_scope_cache, scope_q
from bpo_portal.tenancy import UNIQUENESS


class ScopedViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """GET (list, detail), POST and PATCH on a resource addressed by its business code."""

    lookup_field = "code"
    lookup_value_regex = r"[A-Za-z0-9][A-Za-z0-9._-]{0,49}"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset.filter(scope_q(queryset.model, self.request.user))


class ModelSerializer(serializers.ModelSerializer):
    """The base of the API's model serializers: DRF's, with the uniqueness validators it derives
    from the model reading across tenants on purpose (bpo_portal.tenancy.UNIQUENESS); every other read goes
    through the scoped fields below."""

    def build_standard_field(self, field_name, model_field):
        field_class, field_kwargs = super().build_standard_field(field_name, model_field)
        _unscoped_uniqueness(field_kwargs.get("validators", ()))
        return field_class, field_kwargs

    def get_validators(self):
        return _unscoped_uniqueness(super().get_validators())


def _unscoped_uniqueness(validators):
    for validator in validators:
        queryset = getattr(validator, "queryset", None)
        if hasattr(queryset, "unscoped"):
            validator.queryset = queryset.unscoped(UNIQUENESS)
    return validators


class ScopedManyRelatedField(serializers.ManyRelatedField):
    """A list of related objects, read and written inside the caller's scope: on output only the
    related objects the caller may see (an agent staffed for two clients shows a manager of one
    only that client's processes); on input each code is resolved in scope by the child field."""

    def get_attribute(self, instance):
        related = super().get_attribute(instance)
        request = self.context.get("request")
        return only_visible(related, getattr(request, "user", None), request_scope_cache(request))


class ScopedSlugRelatedField(serializers.SlugRelatedField):
    """A reference by code to an object the caller can see; anything else "does not exist".
    With many=True, a `ScopedManyRelatedField`: a list that shows only what is in scope."""

    def __init__(self, *, model, slug_field="code", **kwargs):
        self.model = model
        kwargs.setdefault("queryset", model.objects.none())
        super().__init__(slug_field=slug_field, **kwargs)

    @classmethod
    def many_init(cls, *args, **kwargs):
        list_kwargs = {"child_relation": cls(*args, **kwargs)}
        for key in kwargs:
            if key in MANY_RELATION_KWARGS:
                list_kwargs[key] = kwargs[key]
        return ScopedManyRelatedField(**list_kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.model.objects.filter(scope_q(self.model, request.user if request else None))


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference by id to an object the caller can see; anything else "does not exist"."""

    def __init__(self, *, model, **kwargs):
        self.model = model
        kwargs.setdefault("queryset", model.objects.none())
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.model.objects.filter(scope_q(self.model, request.user if request else None))


# --- OpenAPI (drf-spectacular) ------------------------------------------------------------------

ERROR_SCHEMA = {
    "type": "object",
    "description": "Why the request was refused.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# 400: per-field messages (a field's value is a list of messages, or for a nested serializer an
# object or list of them), `non_field_errors`, or a `detail` for input refused as a whole.
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": 'Bad input: {"field": ["message", …], …}, "non_field_errors", or {"detail": "…"}.',
    "additionalProperties": {"oneOf": [{"type": "string"}, {"type": "array"}, {"type": "object"}]},
}
ERROR_RESPONSES = {
    "400": ("ValidationError", VALIDATION_ERROR_SCHEMA, "Bad input (per-field messages, or `detail`)."),
    "401": ("Error", ERROR_SCHEMA, "No credentials, or an invalid token."),
    "403": ("Error", ERROR_SCHEMA, "The caller's role may not do this."),
    "404": ("Error", ERROR_SCHEMA, "Not found, or outside the caller's scope (existence is not revealed)."),
    "429": ("Error", ERROR_SCHEMA, "Too many requests: retry after the `Retry-After` header's seconds."),
}
PUBLIC_ERROR_CODES = ("400", "401", "429")  # a public view: an invalid token is still a 401


class AutoSchema(_SpectacularAutoSchema):
    """drf-spectacular's schema, made to say what the API really answers (REST_FRAMEWORK's
    DEFAULT_SCHEMA_CLASS):

    - every operation documents its error responses: 400 (any parameter or body can be refused),
      401, 429, and unless the view is public 403 and 404, each with its JSON body; an error a
      view declares itself (the bulk import's 400) is kept, any-of'ed with the generic one (a body
      the parser refuses has only `detail`);
    - a read-only field whose value comes through a nullable relation (`supersedes`, an
      interaction's `agent`) is nullable.
    """

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        public = getattr(self.view, "public", False)
        for code, (name, schema, description) in ERROR_RESPONSES.items():
            if public and code not in PUBLIC_ERROR_CODES:
                continue
            component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
            self.registry.register_on_missing(component)
            if code not in responses:
                responses[code] = {
                    "description": description,
                    "content": {"application/json": {"schema": component.ref}},
                }
                continue
            for media in responses[code].get("content", {}).values():
                own = media.get("schema")
                if own and own != component.ref:
                    media["schema"] = {"anyOf": [own, component.ref]}
        return responses

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        if direction == "response" and field.read_only and not meta.get("nullable") and _through_nullable(field):
            meta["nullable"] = True
        return meta


def _through_nullable(field) -> bool:
    """Whether a serializer field's source passes a nullable relation or column of its model."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    for attr in getattr(field, "source_attrs", None) or []:
        if model is None:
            return False
        try:
            model_field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            return False
        if model_field.many_to_many or model_field.one_to_many:
            return False  # a list: empty, never null
        if getattr(model_field, "null", False):
            return True
        model = model_field.related_model
    return False


def not_found(request, exception=None):
    """handler404: under /api/ a URL that matches no route (`/api/v1/clients/%C2%84/`) answers
    like every API 404, in JSON as the schema says; elsewhere Django's page (templates/404.html)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
