#!/usr/bin/env bash
# Optional command-line tools some tests use to look at what the system produces:
# pdftoppm (poppler-utils) renders a certificate PDF to an image, zbarimg (zbar-tools) reads
# its QR code; chromium drives the partner portal's browser test. Installed from Debian's
# packages when missing and we may; tests that need them skip (and say why) where they cannot
# be had.
set -u
missing=()
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
command -v zbarimg >/dev/null 2>&1 || missing+=(zbar-tools)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} for the certificate and portal tests" >&2
  (timeout 300 apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 300 \
     apt-get install -y -qq --no-install-recommends "${missing[@]}") >/dev/null 2>&1 \
    || echo "could not install ${missing[*]}: the tests that need them will be skipped" >&2
else
  echo "${missing[*]} not installed: the tests that need them will be skipped" >&2
fi
exit 0
