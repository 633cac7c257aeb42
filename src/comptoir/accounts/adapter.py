"""How allauth creates and logs in people here: sign-up only when the helpdesk
opens it, always as a customer; social logins link to existing customers by a
verified address only."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.http import HttpRequest

from .models import Role


def signup_open() -> bool:
    return bool(getattr(settings, "COMPTOIR_SIGNUP_OPEN", False))


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Customers are created by the support team unless self sign-up is on.
        return signup_open()

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        from .services import user_join_by_domain

        user = super().save_user(request, user, form, commit=False)
        # Sign-up never makes an agent: agents are invited by an administrator.
        user.role = Role.CUSTOMER
        if commit:
            user.save()
            user_join_by_domain(user=user)
        return user


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        return signup_open()

    def save_user(self, request: HttpRequest, sociallogin: Any, form: Any = None) -> Any:
        from .services import user_join_by_domain

        sociallogin.user.role = Role.CUSTOMER
        user = super().save_user(request, sociallogin, form)
        user_join_by_domain(user=user)
        return user

    def authenticate_by_email(self, sociallogin: Any) -> Any:
        """A verified address from the provider logs into the customer account that
        has it. Never into an agent's account: an agent connects a provider from
        their own session, so a provider alone cannot open the desk."""
        found = super().authenticate_by_email(sociallogin)
        if found is not None and found[0].is_agent:
            return None
        return found
