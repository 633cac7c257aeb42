from __future__ import annotations

from django import forms

from .models import NotificationPreference


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = [*NotificationPreference.CUSTOMER_FIELDS, *NotificationPreference.AGENT_FIELDS]

    def __init__(self, *args: object, agent: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not agent:
            for name in NotificationPreference.AGENT_FIELDS:
                del self.fields[name]
