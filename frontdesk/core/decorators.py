from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render


def member_required[R: HttpResponseBase](view: Callable[..., R]) -> Callable[..., R | HttpResponse]:
    """Signed in and a member of a workspace; otherwise the login page or a 'no workspace' page."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> R | HttpResponse:
        if not request.member:  # type: ignore[attr-defined]
            return render(request, "core/no_workspace.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
