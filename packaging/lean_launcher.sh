#!/usr/bin/env bash
# Usage: bash packaging/lean_launcher.sh VENV
#
# An older pip's launcher (VENV/bin/g2a-tray; pip 23.2 here, where install.sh could not
# upgrade pip) imports re only to tidy argv[0]: about 14 ms, more than a client verb's own
# work, on every `g2a-tray new-session` a desktop shortcut runs (pip 26's does not).
# This replaces it with one that only calls the command line, when pip wrote a plain
# "#!/path/python" first line (a path it had to wrap in /bin/sh keeps pip's launcher).
# Run by packaging/install.sh, and by tests/benchmarks/bench_performance.py for its venv.
set -euo pipefail
launcher="$1/bin/g2a-tray"
[ -f "$launcher" ] || exit 0
shebang="$(head -n 1 "$launcher")"
case "$shebang" in
  "#!/bin/sh"* | *" "*) ;;
  "#!/"*)
    printf '%s\nimport sys\n\nfrom g2a_tray.cli import main\n\nsys.exit(main())\n' \
      "$shebang" > "$launcher.new"
    chmod 755 "$launcher.new"
    mv "$launcher.new" "$launcher"
    ;;
esac
