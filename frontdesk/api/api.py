"""REST API v1: token-authenticated, workspace-scoped, documented at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from frontdesk.api.auth import MemberToken
from frontdesk.api.routers import channels, contacts, conversations, workspace
from frontdesk.callbacks.api import router as callbacks_router
from frontdesk.contacts.api import attributes_router, context_router, profile_router
from frontdesk.incidents.api import router as incidents_router
from frontdesk.search.api import router as search_router
from frontdesk.segments.api import router as segments_router

api = NinjaAPI(
    title="Frontdesk API",
    version="1",
    description="Frontdesk's REST API. Authenticate with `Authorization: Bearer <token>`; "
    "create a token under Settings → API tokens.",
    auth=MemberToken(),
    urls_namespace="api-v1",
)


def _error(request: HttpRequest, status: int, detail: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"detail": detail, **extra}, status=status)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "Authentication required: send a valid API token.")


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _error(request, 422, "The request is not valid.", errors=exc.errors)


@api.exception_handler(DjangoValidationError)
def on_domain_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return _error(request, 422, " ".join(exc.messages))


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, str(exc) or "You may not do that.")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, str(exc))


api.add_router("", workspace.router)
api.add_router("/channels", channels.router)
api.add_router("/contacts", contacts.router)
api.add_router("/contacts", profile_router)
api.add_router("/attributes", attributes_router)
api.add_router("/context", context_router)
api.add_router("/conversations", conversations.router)
api.add_router("/callbacks", callbacks_router)
api.add_router("/segments", segments_router)
api.add_router("/search", search_router)
api.add_router("/incidents", incidents_router)
