"""Comptoir: a self-hosted helpdesk."""
