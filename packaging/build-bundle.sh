#!/usr/bin/env bash
# Build the one-folder app into dist/g2a-tray/ (needs the dev environment: bash .ci/setup).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller packaging/g2a-tray.spec
du -sh dist/g2a-tray | sed 's/^/bundle size: /'
