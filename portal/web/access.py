"""Who may see what — checked on the server for every object a view returns (docs/portal.md).

A provider account reaches only its own provider id; any other id answers 404, the same as an
id that does not exist (it learns nothing about other providers). Analysts see every provider;
admins manage accounts and read the audit log, nothing of the data."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404

from portal.web.models import Account, Role
from portal.web.providers import Provider, get_provider


def account_of(user) -> Account | None:
    if not user.is_authenticated:
        return None
    try:
        return user.account
    except Account.DoesNotExist:
        return None


def role_of(user) -> str | None:
    account = account_of(user)
    if account is None:
        return Role.ADMIN if getattr(user, "is_superuser", False) else None
    return account.role


def needs_second_factor(user) -> bool:
    """An account with a confirmed TOTP device must have passed it in this session."""
    from django_otp import user_has_device

    verified = getattr(user, "is_verified", None)  # set by OTPMiddleware (not on the user of a fresh login)
    return user_has_device(user, confirmed=True) and not (verified is not None and verified())


def signed_in(*roles: str):
    """The view needs a signed-in user (with the second factor if the account has one) whose
    role is one of ``roles``; any other role gets 404 (nothing to find here)."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated or needs_second_factor(request.user):
                return redirect_to_login(request.get_full_path())
            if role_of(request.user) not in roles:
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def provider_for(request, provider_id: str) -> Provider:
    """The provider ``provider_id`` if this user may see it, else 404 (also for an unknown id)."""
    role = role_of(request.user)
    if role == Role.PROVIDER:
        if account_of(request.user).provider_id != provider_id:
            raise Http404
    elif role != Role.ANALYST:
        raise Http404
    provider = get_provider(provider_id)
    if provider is None:
        raise Http404
    return provider


def nav_context(request) -> dict:
    role = role_of(request.user) if hasattr(request, "user") else None
    account = account_of(request.user) if role else None
    return {"portal_role": role, "own_provider": account.provider_id if account else ""}
