from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Customers are created by the support team unless self sign-up is on.
        return bool(getattr(settings, "COMPTOIR_SIGNUP_OPEN", False))
