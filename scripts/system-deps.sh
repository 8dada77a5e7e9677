#!/usr/bin/env bash
# Debian packages dieuhanh uses at run time (fonts, LibreOffice for generated PDFs, Tesseract and friends
# for the OCR intake) and in tests (Chromium, SoftHSM2, poppler-utils, NSS tools, Dovecot).
# Installs what is missing when running as root; otherwise says what to install.
set -uo pipefail
mode=${1:-run}
need=()
[ -e /usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf ] || need+=(fonts-liberation2)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
# LibreOffice headless turns drafts rendered from .docx templates into PDF (a worker task).
command -v soffice >/dev/null || need+=(libreoffice-writer-nogui)
# OCR intake (intake/, OCRmyPDF): Tesseract with its Vietnamese model, unpaper (page clean-up),
# Ghostscript (rasterising PDF pages), pdftoppm (header zones of page 1)
command -v tesseract >/dev/null || need+=(tesseract-ocr)
[ -e /usr/share/tesseract-ocr/5/tessdata/vie.traineddata ] || need+=(tesseract-ocr-vie)
command -v unpaper >/dev/null || need+=(unpaper)
command -v gs >/dev/null || need+=(ghostscript)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
if [ "$mode" = test ]; then
  command -v chromium >/dev/null || need+=(chromium)
  # digital signatures: a real PKCS#11 token (SoftHSM2), the independent validator pdfsig and pdftoppm
  # (poppler-utils), NSS tools for pdfsig's trust store (certutil, crlutil)
  command -v softhsm2-util >/dev/null || need+=(softhsm2)
  command -v pdfsig >/dev/null || need+=(poppler-utils)
  command -v certutil >/dev/null || need+=(libnss3-tools)
  # the intake mailbox's tests read from a real IMAP server on loopback (intake/tests/conftest.py)
  [ -x /usr/sbin/dovecot ] || command -v dovecot >/dev/null || need+=(dovecot-imapd)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  (apt-get install -y -q --no-install-recommends "${need[@]}" || { apt-get update -q && apt-get install -y -q --no-install-recommends "${need[@]}"; }) >/dev/null
else
  echo "Please install these Debian packages: ${need[*]} (sudo apt-get install ${need[*]})" >&2
fi
exit 0
