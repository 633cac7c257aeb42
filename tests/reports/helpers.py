"""Helpers of the reports tests: links found in mails, faces on pages."""

from __future__ import annotations

import re

from django.core import mail

from comptoir.reports.models import SurveySettings

SURVEY_LINK = re.compile(r"https?://[^\s\"<>]+/reports/survey/[^\s\"<>?]+/\?score=(\d)")


def survey_mails(to: str) -> list:
    return [m for m in mail.outbox if to in m.to and "/reports/survey/" in m.body]


def links_in(text: str) -> dict[int, str]:
    """score -> absolute link of each face in a survey mail."""
    return {int(m.group(1)): m.group(0) for m in SURVEY_LINK.finditer(text)}


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def survey_settings(**values) -> SurveySettings:
    conf = SurveySettings.load()
    for name, value in values.items():
        setattr(conf, name, value)
    conf.save()
    return conf
