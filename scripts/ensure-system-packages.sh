#!/usr/bin/env bash
# Installs the Debian packages qlvb and its tests need, only when missing.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
command -v npm >/dev/null 2>&1 || need+=(npm)
# DOCX drafts of outgoing documents are converted to PDF (libreoffice --headless).
command -v libreoffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
# OCR of scans (search app): OCRmyPDF (from PyPI) drives Tesseract with Vietnamese data and
# Ghostscript.
command -v tesseract >/dev/null 2>&1 || need+=(tesseract-ocr)
[ -e /usr/share/tesseract-ocr/5/tessdata/vie.traineddata ] || need+=(tesseract-ocr-vie)
command -v gs >/dev/null 2>&1 || need+=(ghostscript)
# Agency keys in a PKCS#11 token: the signing tests make a SoftHSM2 token of their own.
command -v softhsm2-util >/dev/null 2>&1 || need+=(softhsm2)
[ -e /usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf ] || need+=(fonts-liberation2)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "qlvb: cài các gói hệ thống còn thiếu / installing missing system packages: ${need[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "qlvb: cần quyền root để cài: apt-get install ${need[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null
$SUDO apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
