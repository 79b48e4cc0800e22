#!/usr/bin/env bash
# README's first command: the few system packages g2a-tray needs (as root, or through
# sudo; the package lists are refreshed when an install finds them stale), a virtual
# environment in ~/.local/share/g2a-tray/venv, and g2a-tray from this checkout in it.
# G2A_TRAY_VENV names another folder for the environment.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(python3-venv libxcb-cursor0 xdg-utils)
VENV="${G2A_TRAY_VENV:-$HOME/.local/share/g2a-tray/venv}"

as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "g2a-tray: installing ${missing[*]} needs root: run this as root, or install them first." >&2
    return 1
  fi
}

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "g2a-tray: not a Debian or Ubuntu system: install ${missing[*]} (or their equivalents) and run this again." >&2
    exit 1
  fi
  echo "Installing ${missing[*]}"
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"; then
    echo "Refreshing the package lists and trying again"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  fi
fi

python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q .

bash packaging/lean_launcher.sh "$VENV"
echo "g2a-tray is installed: $VENV/bin/g2a-tray"
