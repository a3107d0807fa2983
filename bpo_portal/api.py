"""The shared base of every API endpoint: capability check, tenant scoping, pagination, errors.

A viewset derived from `ScopedViewSet` names the capability each action needs and gets a
queryset already filtered to the caller's scope, so an object outside it is a 404.
"""

from rest_framework import mixins, serializers, viewsets

from accounts.scoping import scope_q


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


class ScopedSlugRelatedField(serializers.SlugRelatedField):
    """A reference by code to an object the caller can see; anything else "does not exist"."""

    def __init__(self, *, model, slug_field="code", **kwargs):
        self.model = model
        kwargs.setdefault("queryset", model.objects.none())
        super().__init__(slug_field=slug_field, **kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.model.objects.filter(scope_q(self.model, request.user if request else None))
