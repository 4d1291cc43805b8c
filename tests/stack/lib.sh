# Shared by the stack tests (sourced, not run).

# A free TCP port below Linux's ephemeral range (32768 up), so no outgoing connection holds it.
free_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 10000))
    ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return; }
  done
  echo "no free port found" >&2
  exit 1
}
