#!/usr/bin/env bash
# Installs the Debian packages the app needs when they are missing and we can
# (root, or sudo without a password). Prints the command to run otherwise.
# Usage: scripts/install-os-deps.sh [--test]   (--test adds what the test suite needs)
set -euo pipefail

missing=()
has_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }

# The Makefile builds the virtualenv from Debian's interpreter when there is one.
python=/usr/bin/python3
[[ -x $python ]] || python=$(command -v python3 || true)
[[ -n $python ]] || missing+=(python3)
[[ -z $python ]] || "$python" -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
command -v fc-list >/dev/null || missing+=(fontconfig)
# The PDF must print Japanese: IPAex Gothic, found through fontconfig.
fc-list :lang=ja 2>/dev/null | grep -q . || missing+=(fonts-ipaexfont-gothic)
has_lib libpango-1.0.so.0 || missing+=(libpango-1.0-0)
has_lib libpangoft2-1.0.so.0 || missing+=(libpangoft2-1.0-0)
has_lib libharfbuzz-subset.so.0 || missing+=(libharfbuzz-subset0)
# python-ldap (sign-in with the office directory) is built from source: a compiler and the headers.
command -v gcc >/dev/null || missing+=(gcc)
[[ -z $python ]] || [[ -f "$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')/Python.h" ]] \
  || missing+=(python3-dev)
[[ -f /usr/include/ldap.h ]] || missing+=(libldap2-dev)
[[ -f /usr/include/sasl/sasl.h ]] || missing+=(libsasl2-dev)

if [[ "${1:-}" == "--test" ]]; then
  command -v pdftotext >/dev/null || missing+=(poppler-utils)
  # qpdf --check validates the sheet PDFs (tests/test_sheet_record.py).
  command -v qpdf >/dev/null || missing+=(qpdf)
  # Import tests convert workbooks to .xls and .ods with LibreOffice, as offices make them.
  command -v soffice >/dev/null || missing+=(libreoffice-calc-nogui)
  # Browser tests: Debian's Chromium (Playwright's own download cannot work on a closed network),
  # Java for the Nu HTML checker, npm to vendor axe-core and vnu-jar.
  command -v chromium >/dev/null || missing+=(chromium)
  command -v java >/dev/null || missing+=(default-jre-headless)
  command -v npm >/dev/null || missing+=(npm)
  # The directory sign-in tests run a real OpenLDAP server of their own on 127.0.0.1.
  [[ -x /usr/sbin/slapd ]] || missing+=(slapd)
  command -v ldapadd >/dev/null || missing+=(ldap-utils)
fi

[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "OS パッケージを導入します: ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then
  apt_get=(apt-get)
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  apt_get=(sudo apt-get)
else
  echo "権限がないため導入できません。管理者が次を実行してください:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${apt_get[@]}" update -qq
"${apt_get[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "OS パッケージを導入しました。"
