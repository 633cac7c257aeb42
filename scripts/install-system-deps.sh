#!/usr/bin/env bash
# System packages the test suite needs: Chromium (browser tests, driven by
# Playwright through /usr/bin/chromium), gettext (compiling translations) and
# Dovecot (the IMAP server the email channel's tests start on a high port).
# Idempotent: when everything is present it only checks, in well under a second.
# Browsers come from Debian, never from `playwright install` (it downloads
# its own builds, which cannot be reached from CI).
set -euo pipefail

missing=()

# The browser tests launch /usr/bin/chromium itself, so that path is what counts.
if [ -x /usr/bin/chromium ] && dpkg -s chromium >/dev/null 2>&1; then
    echo "install-system-deps: chromium present (/usr/bin/chromium)"
else
    missing+=(chromium)
fi

if command -v msgfmt >/dev/null 2>&1 && dpkg -s gettext >/dev/null 2>&1; then
    echo "install-system-deps: gettext present ($(command -v msgfmt))"
else
    missing+=(gettext)
fi

# WeasyPrint (knowledge base articles as PDF) needs HarfBuzz's subsetting library.
if dpkg -s libharfbuzz-subset0 >/dev/null 2>&1; then
    echo "install-system-deps: libharfbuzz-subset0 present (WeasyPrint)"
else
    missing+=(libharfbuzz-subset0)
fi

if command -v dovecot >/dev/null 2>&1 && dpkg -s dovecot-imapd >/dev/null 2>&1; then
    echo "install-system-deps: dovecot-imapd present ($(command -v dovecot))"
else
    missing+=(dovecot-imapd)
fi

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-system-deps: nothing to install"
    exit 0
fi

echo "install-system-deps: missing: ${missing[*]}"

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    echo "install-system-deps: not root and no password-less sudo; install them with:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    if [ "${CI:-}" = "true" ]; then
        exit 1
    fi
    echo "install-system-deps: continuing; the tests that need them will be skipped" >&2
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-system-deps: apt-get update"
"${as_root[@]}" apt-get update </dev/null
echo "install-system-deps: apt-get install -y ${missing[*]}"
"${as_root[@]}" apt-get install -y "${missing[@]}" </dev/null
echo "install-system-deps: done"
