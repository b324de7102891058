"""BR06x: API design. The metadata of this family's rules (logic: ``rules/``)."""
from __future__ import annotations

from typing import Tuple

from .rule import Rule

RULES: Tuple[Rule, ...] = (
    Rule(
        code="BR060",
        symbol="error-response-with-success-status",
        summary="An error payload is returned with a success status",
        message="`{expr}` returns an error payload (`{key}`) with HTTP {status}; pass a 4xx/5xx "
        "status so clients, caches and monitoring see the failure",
        what="Finds DRF `Response({...})`, `JsonResponse({...})`, `JSONResponse({...})` "
        "(also `ORJSONResponse`, `UJSONResponse`) and `jsonify({...})` whose dict literal (the "
        "first argument, `data=` or `content=`) has an `error`, `errors` or `error_message` "
        "key, or `\"success\": False` / `\"ok\": False`, with no `status=`/`status_code=` or a "
        "2xx one; the same with `serializer.errors`/`form.errors` as the payload "
        "(`return Response(serializer.errors)` answers 200); and a route-decorated function "
        "(FastAPI, Flask) returning such a dict literal.",
        why="A 200 with `{\"error\": ...}` is a success to every HTTP client, retry policy, "
        "cache and dashboard: the failure is only visible to code that parses the body, and "
        "monitoring counts it as a good request.",
        bad="""
            from rest_framework.decorators import api_view
            from rest_framework.response import Response


            @api_view(["POST"])
            def redeem(request):
                if not request.user.is_authenticated:
                    return Response({"error": "login required"})
                return Response({"redeemed": True})
            """,
        good="""
            from rest_framework import status
            from rest_framework.decorators import api_view
            from rest_framework.response import Response


            @api_view(["POST"])
            def redeem(request):
                if not request.user.is_authenticated:
                    return Response({"error": "login required"}, status=status.HTTP_401_UNAUTHORIZED)
                return Response({"redeemed": True})
            """,
        notes="Silent when the status comes another way: `return jsonify({...}), 400` (Flask's "
        "tuple), `resp.status_code = 400` on the response local, a `response.status_code = ...` "
        "assignment in a FastAPI route, `status_code=4xx` in the route decorator, or `**kwargs`. "
        "An envelope whose error slot is empty (`{\"error\": None, \"data\": ...}`, "
        "`\"errors\": []`) is a success and silent. Functions that are not route handlers "
        "returning dicts are helpers and silent. An explicit 2xx status in a function that "
        "answers other error payloads with explicit 4xx/5xx statuses is a deliberate "
        "protocol choice (a sync client that retries every non-2xx answer, where a "
        "permanent refusal must stay 200) and is silent; the same explicit 2xx in a "
        "function with no error statuses is reported.",
    ),
    Rule(
        code="BR061",
        symbol="unpaginated-list-endpoint",
        summary="A list endpoint returns every row of a table",
        message="`{expr}` {where}; paginate (pagination_class, Paginator, limit/offset "
        "parameters)",
        what="Finds a DRF list view (a `ListAPIView`, `ListCreateAPIView`, `ModelViewSet` or "
        "`ReadOnlyModelViewSet` subclass) setting `pagination_class = None`, and a GET "
        "endpoint (`@api_view`/`@api_view()` or `@api_view([\"GET\"])`, a GET `@action`, a "
        "GET route such as FastAPI's `@router.get`) that returns every row of a query: "
        "`X.objects.all()` (also ordered, `values()`, `select_related()`...), `select(X)` "
        "executed and fetched with `.all()`/`.scalars().all()`, or `session.query(X).all()`.",
        why="An endpoint that returns the whole table is fast in development and a timeout "
        "in production: response size, memory and query time grow with every row added, "
        "and clients cannot ask for less.",
        bad="""
            from fastapi import APIRouter
            from sqlalchemy import select

            from .db import SessionDep
            from .tables import Product

            router = APIRouter()


            @router.get("/products")
            def list_products(session: SessionDep):
                return session.execute(select(Product)).scalars().all()
            """,
        good="""
            from fastapi import APIRouter
            from sqlalchemy import select

            from .db import SessionDep
            from .tables import Product

            router = APIRouter()


            @router.get("/products")
            def list_products(session: SessionDep, offset: int = 0, limit: int = 50):
                return session.execute(select(Product).offset(offset).limit(limit)).scalars().all()
            """,
        notes="Only the whole table counts: a query narrowed by `filter`/`where` is a subset "
        "the rule cannot size and stays silent. Also silent when the handler slices, calls "
        "`.limit(`/`.offset(`, paginates (any name containing `paginat`), takes a page "
        "parameter (`page`, `page_size`, `per_page`, `limit`, `offset`, `skip`, `cursor`) or "
        "reads one by name, or when the query does not reach the returned value. "
        "Handlers that also accept POST, and plain functions in handler modules (whose "
        "method is unknown), are not GET endpoints for this rule.",
    ),
    Rule(
        code="BR062",
        symbol="write-in-safe-method",
        summary="A GET/HEAD handler writes to the database",
        message="`{expr}` writes in a {methods} handler; safe methods are replayed by "
        "browsers, caches, crawlers and link previews: move the write to POST/PUT/PATCH/DELETE",
        what="Finds writes (`.save()`, `.delete()`, `.objects.create/update/delete(...)` and "
        "other queryset writes, `session.add/delete/commit/merge(...)`) in a handler that "
        "answers only GET/HEAD: a route such as FastAPI's `@router.get`, a view class's "
        "`get`/`head` method, a viewset's `list`/`retrieve`, a GET `@action`, "
        "`@api_view([\"GET\"])` or `@api_view()`, `@require_GET`, `@require_safe`.",
        why="HTTP promises that GET has no side effects: prefetchers, crawlers, link "
        "previews and retrying proxies issue GETs freely, so a GET that writes changes data "
        "nobody asked to change (and CSRF protection does not cover it).",
        bad="""
            from django.views import View
            from django.http import JsonResponse

            from .models import Coupon


            class CouponView(View):
                def get(self, request, code):
                    coupon = Coupon.objects.get(code=code)
                    coupon.redeemed = True
                    coupon.save()
                    return JsonResponse({"redeemed": True})
            """,
        good="""
            from django.views import View
            from django.http import JsonResponse

            from .models import Coupon


            class CouponView(View):
                def get(self, request, code):
                    coupon = Coupon.objects.get(code=code)
                    return JsonResponse({"redeemed": coupon.redeemed})

                def post(self, request, code):
                    coupon = Coupon.objects.get(code=code)
                    coupon.redeemed = True
                    coupon.save()
                    return JsonResponse({"redeemed": True})
            """,
        notes="A handler that also accepts POST (`@api_view([\"GET\", \"POST\"])`, "
        "`@require_http_methods([\"GET\", \"POST\"])`, a route with `methods=[\"GET\", "
        "\"POST\"]`) is silent, as is a plain function in a handler module (its methods "
        "are unknown). `.save()`/`.delete()` with positional arguments, or on a session, "
        "cache, storage, file, image or workbook, is not a database write, nor is "
        "`form.save(commit=False)`; `get_or_create` is not reported (it reads in the common "
        "case). `@action`/`@api_view` count only when they come from rest_framework "
        "(`@admin.action` and Slack Bolt's `@app.action` are not HTTP handlers), and a route "
        "decorator whose first argument is a literal that is not a URL path "
        "(Slack Bolt's `@app.options(\"select-id\")`) is not a route. A bare "
        "`session.commit()` is reported only when the handler also changes an attribute of "
        "a loaded object (`item.views += 1`, flushed by the commit): alone it just ends the "
        "transaction (e.g. before a server-sent-events stream). Endpoints that a protocol "
        "makes GET are silent: a route path, function name or view class name containing `callback`, `oauth`, "
        "`authorize`, `sso`, `verify`, `confirm` or `activate` (OAuth/SSO redirects, email "
        "verification links).",
    ),
    Rule(
        code="BR063",
        symbol="unvalidated-request-data",
        summary="Raw request input goes straight into the ORM",
        message="`{raw}` reaches `{expr}` {how}; validate it first (a serializer or form, "
        "int(...)/UUID(...)) and pass the validated values",
        what="Finds `request.data`, `request.POST`, `request.GET`, `request.query_params` "
        "(also via `self.request`) and their items (`[...]`, `.get(...)`, `.getlist(...)`, "
        "`.dict()`), directly or through a local assigned in the same function, passed to a "
        "query expression, `get_object_or_404`/`get_list_or_404` or a model constructor (a "
        "class imported from a models module): as `**` keywords (mass assignment, filter "
        "injection); as field values written (`create`, `update`, `get_or_create`, "
        "`update_or_create`, a model constructor); as field names (`order_by(...)`, "
        "`values(...)`, `only(...)`: sorting or reading any field, related ones included); "
        "as ids for `in_bulk(...)`; or as the value of a lookup that must "
        "parse (`pk`, `id`, `*_id`, `pk__in`, `category__id`) outside a `try` that catches "
        "`ValueError`/`ValidationError`.",
        why="`Model.objects.create(**request.data)` lets a client set any field (`is_staff`, "
        "`price`), `filter(**request.GET.dict())` lets it filter on any relation "
        "(`user__password__startswith`), and a raw value in a lookup turns a typo into a 500 "
        "instead of a 400.",
        bad="""
            from rest_framework.decorators import api_view
            from rest_framework.response import Response

            from shop.models import Product


            @api_view(["POST"])
            def create_product(request):
                product = Product.objects.create(**request.data)
                return Response({"id": product.pk}, status=201)
            """,
        good="""
            from rest_framework.decorators import api_view
            from rest_framework.response import Response

            from shop.serializers import ProductSerializer


            @api_view(["POST"])
            def create_product(request):
                serializer = ProductSerializer(data=request.data)
                serializer.is_valid(raise_exception=True)
                product = serializer.save()
                return Response({"id": product.pk}, status=201)
            """,
        notes="Silent for values converted first (`int(...)`, `UUID(...)`, any call that "
        "is not an item access) and for a serializer's or form's `validated_data` / "
        "`cleaned_data`. Raw input wrapped in `Q(...)` or another expression is not "
        "followed. Precision choice: a raw string used as the value of a text lookup "
        "(`name__icontains=request.GET[\"q\"]`, `email=username`) is silent, since the ORM "
        "parametrises it and any string is a valid value (search boxes and autocompletes do "
        "exactly this); a typed lookup inside `try: ... except (ValueError, ...)` is silent "
        "too, since junk input is answered there. Known limit: `pk`/`id`/`*_id` are taken "
        "to be numbers or UUIDs; with a `CharField` primary key the lookup takes any "
        "string and the finding is false (the field's type is not visible from the view).",
    ),
)
