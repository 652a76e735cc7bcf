#!/bin/sh
# Monorail microkernel agent: RackHD's microkernel task protocol (rackhd.md §3.4, on-taskgraph
# data/templates/bootstrap.js) in busybox sh + awk, so the microkernel needs no Node.
#
# A server that serves this file as /api/current/tasks/bootstrap.js puts shell assignments for SERVER,
# NODE_ID and MAC right after the first line. Without them the environment is used, then the kernel
# command line (mk.server=, mk.node=, mk.mac=).
#
# Loop: GET $SERVER/api/current/tasks/$NODE_ID. 404 means no work yet: sleep with a bounded
# exponential backoff and ask again; so does any other failure or a reply that is not the protocol's
# JSON. 200 gives {identifier, tasks:[{cmd, downloadUrl?, acceptedResponseCodes?, timeout?, retries?, …}], exit?}.
# The tasks run one after another in $MK_WORKDIR (a downloadUrl is fetched there first and made
# executable). Each gets stdout, stderr and error (null, or {code, killed, signal, cmd, message} as
# Node's exec reported it). As in bootstrap.js, an exit code outside acceptedResponseCodes (0 is always
# accepted) stops the series: later tasks go back unchanged. The reply object is POSTed back to the same
# URL with those fields added, every other member kept as the server wrote it. If the reply had `exit`
# (a number or {code}), the agent then exits with it; init acts on the code (1 reboot, 127 stay up, …).
#
# Task commands run with `$MK_TASK_SHELL -c`: dash where there is one (what Node's exec used on Debian),
# because busybox sh prefers its own applets to PATH (its `ip` would shadow iproute2's `ip -j`).
#
# Tunables (environment): MK_WORKDIR, MK_TASK_SHELL, MK_POLL_MIN_MS / MK_POLL_MAX_MS (backoff bounds),
# MK_HTTP_TIMEOUT (seconds per request), MK_MAX_OUTPUT (bytes kept per stdout/stderr), MK_MAX_REPLY
# (bytes accepted in a reply), MK_POST_ATTEMPTS, MK_OUTPUT_GRACE_MS (how long output is read after the
# command ended), MK_SYSLOG=1 (also log through logger).

set -u
# Byte semantics everywhere: awk must see command output as bytes, not as the host's locale.
export LC_ALL=C

cmdline_value() {
  # $1 = parameter name, e.g. mk.server; prints its value from the kernel command line.
  [ -r /proc/cmdline ] || return 0
  for word in $(cat /proc/cmdline); do
    case "$word" in "$1"=*) printf '%s' "${word#*=}"; return 0 ;; esac
  done
}

SERVER=${SERVER:-$(cmdline_value mk.server)}
NODE_ID=${NODE_ID:-$(cmdline_value mk.node)}
MAC=${MAC:-$(cmdline_value mk.mac)}
SERVER=${SERVER%/}

MK_WORKDIR=${MK_WORKDIR:-/tmp/monorail-agent}
MK_POLL_MIN_MS=${MK_POLL_MIN_MS:-1000}
MK_POLL_MAX_MS=${MK_POLL_MAX_MS:-16000}
MK_HTTP_TIMEOUT=${MK_HTTP_TIMEOUT:-60}
MK_MAX_OUTPUT=${MK_MAX_OUTPUT:-4194304}
MK_MAX_REPLY=${MK_MAX_REPLY:-1048576}
MK_POST_ATTEMPTS=${MK_POST_ATTEMPTS:-8}
MK_OUTPUT_GRACE_MS=${MK_OUTPUT_GRACE_MS:-5000}
MK_SYSLOG=${MK_SYSLOG:-}
MK_TASK_SHELL=${MK_TASK_SHELL:-$(command -v dash || echo sh)}

log() {
  printf 'monorail-agent: %s\n' "$*" >&2
  [ -z "$MK_SYSLOG" ] || logger -t monorail-agent -- "$*" 2>/dev/null || true
}

die() {
  log "fatal: $*"
  exit 1
}

[ -n "$SERVER" ] || die "no server: set SERVER or mk.server=http://host:port"
[ -n "$NODE_ID" ] || die "no node identifier: set NODE_ID or mk.node="
for v in MK_POLL_MIN_MS MK_POLL_MAX_MS MK_HTTP_TIMEOUT MK_MAX_OUTPUT MK_MAX_REPLY MK_POST_ATTEMPTS MK_OUTPUT_GRACE_MS; do
  eval "value=\$$v"
  # shellcheck disable=SC2154 # set by the eval
  case "$value" in '' | *[!0-9]*) die "$v must be a whole number, not '$value'" ;; esac
done
[ "$MK_MAX_OUTPUT" -gt 0 ] || die "MK_MAX_OUTPUT must be at least 1"
[ "$MK_POLL_MIN_MS" -gt 0 ] || die "MK_POLL_MIN_MS must be at least 1"

TASKS_URL="$SERVER/api/current/tasks/$NODE_ID"
STATE="$MK_WORKDIR/.agent"
mkdir -p "$MK_WORKDIR" "$STATE" || die "cannot create $MK_WORKDIR"

# ---------------------------------------------------------------------------------------------------
# JSON reader. Reads one JSON document (RFC 8259) from stdin and, if it is the protocol's reply, writes
# what the shell needs into directory D: n (task count), exit (the exit code, if any), head (the raw
# text of every top-level member but "tasks", comma-separated) and per task i: t.i.m (the raw text of
# its members), t.i.cmd / t.i.url (decoded strings), t.i.codes (accepted exit codes), t.i.timeout,
# t.i.retries, t.i.bad (why the task cannot run). Anything else exits 3 with the reason in D/error.
# Duplicate keys: the last one wins, as in JSON.parse. Raw members are copied byte for byte, so a
# POST carries every field the server sent, whatever it is.
cat >"$STATE/json-read.awk" <<'AWK'
BEGIN {
  # One record for the whole document: SOH may not appear raw in JSON, so a reply holding one is
  # malformed anyway (the parser sees it again between the records).
  RS = sprintf("%c", 1)
  for (i = 1; i < 256; i++) CH[i] = sprintf("%c", i)
  CH[0] = ""
  HEX = "0123456789abcdef"
  MAXDEPTH = 64
}
{ T = (NR == 1) ? $0 : T RS $0 }
END {
  L = length(T); P = 1; N = 0; DEPTH = 0; ERR = ""
  root = value()
  ws()
  if (ERR == "" && P <= L) fail("trailing characters after the document")
  if (ERR == "") check(root)
  if (ERR != "") { printf "%s", ERR > (D "/error"); exit 3 }
  emit(root)
}
function fail(m) { if (ERR == "") ERR = m " (byte " P ")"; P = L + 1; return 0 }
function ws(   w) {
  while (P <= L) {
    w = substr(T, P, 64)
    if (!match(w, /^[ \t\r\n]+/)) return
    P += RLENGTH
    if (RLENGTH < 64) return
  }
}
function node(t) { N++; NT[N] = t; NS[N] = P; return N }
function value(   c, id, w) {
  ws()
  if (ERR != "") return 0
  if (P > L) return fail("unexpected end of document")
  c = substr(T, P, 1)
  if (c == "{") return object()
  if (c == "[") return array()
  if (c == "\"") { id = node("s"); NV[id] = string(); NE[id] = P - 1; return id }
  w = substr(T, P, 64)
  if (match(w, /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/)) {
    id = node("n"); NV[id] = substr(w, 1, RLENGTH); P += RLENGTH; NE[id] = P - 1; return id
  }
  if (substr(w, 1, 4) == "true") { id = node("t"); P += 4; NE[id] = P - 1; return id }
  if (substr(w, 1, 5) == "false") { id = node("f"); P += 5; NE[id] = P - 1; return id }
  if (substr(w, 1, 4) == "null") { id = node("z"); P += 4; NE[id] = P - 1; return id }
  return fail("unexpected character")
}
function object(   id, n, k, v, ms, c) {
  if (++DEPTH > MAXDEPTH) return fail("nested too deeply")
  id = node("o"); P++; n = 0
  ws()
  if (substr(T, P, 1) == "}") { P++ }
  else while (1) {
    ws()
    if (ERR != "") return 0
    if (substr(T, P, 1) != "\"") return fail("expected a member name")
    ms = P
    k = string()
    ws()
    if (ERR != "") return 0
    if (substr(T, P, 1) != ":") return fail("expected ':'")
    P++
    v = value()
    if (ERR != "") return 0
    n++; MS[id, n] = ms; ME[id, n] = NE[v]; MK[id, n] = k; KV[id, k] = v; HAS[id, k] = 1
    ws()
    c = substr(T, P, 1)
    if (c == ",") { P++; continue }
    if (c == "}") { P++; break }
    return fail("expected ',' or '}'")
  }
  NC[id] = n; NE[id] = P - 1; DEPTH--
  return id
}
function array(   id, n, v, c) {
  if (++DEPTH > MAXDEPTH) return fail("nested too deeply")
  id = node("a"); P++; n = 0
  ws()
  if (substr(T, P, 1) == "]") { P++ }
  else while (1) {
    v = value()
    if (ERR != "") return 0
    n++; AV[id, n] = v
    ws()
    c = substr(T, P, 1)
    if (c == ",") { P++; continue }
    if (c == "]") { P++; break }
    return fail("expected ',' or ']'")
  }
  NC[id] = n; NE[id] = P - 1; DEPTH--
  return id
}
# P is on the opening quote; returns the decoded bytes (UTF-8) and leaves P after the closing quote.
function string(   out, w, c, e, h, cp, lo) {
  P++; out = ""
  while (1) {
    if (P > L) return fail("unterminated string")
    w = substr(T, P, 256)
    if (!match(w, /["\\\001-\037]/)) { out = out w; P += length(w); continue }
    out = out substr(w, 1, RSTART - 1); P += RSTART - 1
    c = substr(T, P, 1)
    if (c == "\"") { P++; return out }
    if (c != "\\") return fail("control character in a string")
    e = substr(T, P + 1, 1)
    if (e == "u") {
      h = substr(T, P + 2, 4)
      if (h !~ /^[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]$/) return fail("bad \\u escape")
      cp = hexval(h); P += 6
      if (cp >= 55296 && cp <= 56319) {
        # A high surrogate needs a low one next; alone it decodes to U+FFFD, as Node's UTF-8 encoder does.
        h = substr(T, P + 2, 4)
        if (substr(T, P, 2) == "\\u" && h ~ /^[dD][c-fC-F][0-9a-fA-F][0-9a-fA-F]$/) {
          lo = hexval(h); P += 6
          cp = 65536 + (cp - 55296) * 1024 + (lo - 56320)
        } else cp = 65533
      } else if (cp >= 56320 && cp <= 57343) cp = 65533
      out = out utf8(cp)
      continue
    }
    if (e == "\"") out = out "\""
    else if (e == "\\") out = out "\\"
    else if (e == "/") out = out "/"
    else if (e == "b") out = out CH[8]
    else if (e == "f") out = out CH[12]
    else if (e == "n") out = out "\n"
    else if (e == "r") out = out CH[13]
    else if (e == "t") out = out "\t"
    else return fail("bad escape")
    P += 2
  }
}
function hexval(h,   i, v) { v = 0; h = tolower(h); for (i = 1; i <= 4; i++) v = v * 16 + index(HEX, substr(h, i, 1)) - 1; return v }
function utf8(c) {
  if (c < 128) return CH[c]
  if (c < 2048) return CH[192 + int(c / 64)] CH[128 + c % 64]
  if (c < 65536) return CH[224 + int(c / 4096)] CH[128 + int(c / 64) % 64] CH[128 + c % 64]
  return CH[240 + int(c / 262144)] CH[128 + int(c / 4096) % 64] CH[128 + int(c / 64) % 64] CH[128 + c % 64]
}
function raw(id) { return substr(T, NS[id], NE[id] - NS[id] + 1) }
function check(root,   t, i, e) {
  if (NT[root] != "o") return fail("the reply is not a JSON object")
  if (!HAS[root, "tasks"]) return fail("the reply has no tasks")
  t = KV[root, "tasks"]
  if (NT[t] != "a") return fail("tasks is not an array")
  for (i = 1; i <= NC[t]; i++) {
    e = AV[t, i]
    if (NT[e] != "o") return fail("task " i " is not an object")
  }
}
# An integral JSON number as an integer string, or "" (Node compares exit codes with ===).
function integral(id,   x) {
  if (NT[id] != "n") return ""
  x = NV[id] + 0
  if (x != int(x) || x > 2147483647 || x < -2147483648) return ""
  return sprintf("%d", x)
}
function put(file, text) { printf "%s", text > file; close(file) }
function emit(root,   t, i, j, e, v, x, h, f, s, codes, ok) {
  t = KV[root, "tasks"]
  h = ""
  for (j = 1; j <= NC[root]; j++) if (MK[root, j] != "tasks")
    h = h (h == "" ? "" : ",") substr(T, MS[root, j], ME[root, j] - MS[root, j] + 1)
  put(D "/head", h)
  put(D "/n", NC[t])
  # exit, read as bootstrap.js does (data.exit.code || data.exit): a number, {code}, or a numeric string.
  # null means none; anything else still ends the agent, with 1 (reboot), so the server decides again.
  if (HAS[root, "exit"] && NT[v = KV[root, "exit"]] != "z") {
    if (NT[v] == "o") v = HAS[v, "code"] ? KV[v, "code"] : 0
    x = v ? integral(v) : ""
    if (x == "" && v && NT[v] == "s" && NV[v] ~ /^-?[0-9]+$/) x = NV[v] + 0
    if (x == "") x = 1
    put(D "/exit", ((x % 256) + 256) % 256)
  }
  for (i = 1; i <= NC[t]; i++) {
    e = AV[t, i]; f = D "/t." i
    put(f ".m", NC[e] ? substr(T, MS[e, 1], ME[e, NC[e]] - MS[e, 1] + 1) : "")
    if (HAS[e, "cmd"]) {
      v = KV[e, "cmd"]
      if (NT[v] == "s") put(f ".cmd", NV[v]); else put(f ".bad", "cmd is not a string")
    }
    if (HAS[e, "downloadUrl"]) {
      v = KV[e, "downloadUrl"]
      if (NT[v] == "s" && NV[v] != "") put(f ".url", NV[v]); else put(f ".bad", "downloadUrl is not a non-empty string")
    }
    if (!HAS[e, "cmd"] && !HAS[e, "downloadUrl"]) put(f ".bad", "task has neither cmd nor downloadUrl")
    # acceptedResponseCodes counts only if it is an array of numbers (bootstrap.js checkValidAcceptCode).
    v = HAS[e, "acceptedResponseCodes"] ? KV[e, "acceptedResponseCodes"] : 0
    if (v && NT[v] == "a") {
      codes = ""; ok = 1
      for (j = 1; j <= NC[v]; j++) {
        if (NT[AV[v, j]] != "n") { ok = 0; break }
        s = integral(AV[v, j])
        if (s != "") codes = codes " " s
      }
      if (ok) put(f ".codes", codes)
    }
    if (HAS[e, "timeout"] && (x = integral(KV[e, "timeout"])) != "" && x + 0 > 0) put(f ".timeout", x)
    if (HAS[e, "retries"] && (x = integral(KV[e, "retries"])) != "" && x + 0 > 0) put(f ".retries", x + 0 > 20 ? 20 : x)
  }
}
AWK

# JSON string writer, for files that are not plain ASCII. It reads `od -An -v -tx1` (hex bytes, so NULs
# and very long lines are nothing special) and writes one JSON string literal, the way JSON.stringify
# writes the text Node decodes from those bytes: valid UTF-8 passes through, each maximal invalid
# subsequence becomes U+FFFD (WHATWG decoding, which Buffer#toString follows), controls are escaped.
# Output goes out one od line at a time, so time and memory stay linear in the size of the output.
cat >"$STATE/json-string.awk" <<'AWK'
BEGIN {
  for (i = 0; i < 256; i++) { h = sprintf("%02x", i); V[h] = i; C[h] = sprintf("%c", i) }
  for (i = 0; i < 32; i++) C[sprintf("%02x", i)] = sprintf("\\u%04x", i)
  C["08"] = "\\b"; C["09"] = "\\t"; C["0a"] = "\\n"; C["0c"] = "\\f"; C["0d"] = "\\r"
  C["22"] = "\\\""; C["5c"] = "\\\\"
  printf "\""
}
{
  out = ""
  for (f = 1; f <= NF; f++) {
    h = $f; b = V[h]
    if (need) {
      if (b >= lo && b <= hi) { seq = seq C[h]; lo = 128; hi = 191; if (!--need) out = out seq; continue }
      # A broken sequence is one U+FFFD; the byte that broke it is read again below.
      out = out "\\ufffd"; need = 0
    }
    if (b < 128) { out = out C[h]; continue }
    if (b >= 194 && b <= 223) { need = 1; lo = 128; hi = 191 }
    else if (b == 224) { need = 2; lo = 160; hi = 191 }
    else if (b == 237) { need = 2; lo = 128; hi = 159 }
    else if (b >= 225 && b <= 239) { need = 2; lo = 128; hi = 191 }
    else if (b == 240) { need = 3; lo = 144; hi = 191 }
    else if (b >= 241 && b <= 243) { need = 3; lo = 128; hi = 191 }
    else if (b == 244) { need = 3; lo = 128; hi = 143 }
    else { out = out "\\ufffd"; continue }
    seq = C[h]
  }
  printf "%s", out
}
END { if (need) printf "\\ufffd"; printf "\"" }
AWK

TAB=$(printf '\t')

# A file's bytes as a JSON string literal. Plain ASCII (the usual case) goes through sed, which is
# fast; anything else through od and the awk writer above.
json_file() {
  if [ "$(tr -d '\011\012\040-\176' <"$1" | wc -c)" -eq 0 ]; then
    printf '"'
    # Every line but the last gets a literal \n, then the real newlines go.
    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e "s/$TAB/\\\\t/g" -e '$!s/$/\\n/' "$1" | tr -d '\n'
    [ "$(tail -c 1 "$1" | wc -l)" -eq 1 ] && printf '\\n'
    printf '"'
  else
    od -An -v -tx1 -w64 "$1" | awk -f "$STATE/json-string.awk"
  fi
}

# A short text (no newline needed) as a JSON string literal.
json_text() {
  printf '%s' "$1" >"$STATE/text"
  json_file "$STATE/text"
}

sleep_ms() {
  sleep "$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))"
}

# HTTP through busybox wget. Its -T option crashes when the timer fires (busybox 1.35), so `timeout`
# bounds each request instead. Sets HTTP_RESULT: ok, notfound, client (another 4xx), error.
http() {
  # $1 = output file, then wget arguments
  out=$1
  shift
  rm -f "$out"
  if timeout "$MK_HTTP_TIMEOUT" wget -q -O "$out" "$@" 2>"$STATE/wget.err"; then
    HTTP_RESULT=ok
    return 0
  fi
  if grep -q 'server returned error: HTTP/1\.[01] 404' "$STATE/wget.err"; then
    HTTP_RESULT=notfound
  elif grep -q 'server returned error: HTTP/1\.[01] 4' "$STATE/wget.err"; then
    HTTP_RESULT=client
  else
    HTTP_RESULT=error
  fi
  return 1
}

http_error_text() {
  tr '\n' ' ' <"$STATE/wget.err" | cut -c 1-300
}

# Runs task $1 (1-based) of the reply in $R. Writes the fields to add to t.$1.add and returns 1 when the
# task failed in a way that stops the series.
run_task() {
  t="$R/t.$1"
  err_json=null
  code=0
  printf '' >"$t.stdout"
  printf '' >"$t.stderr"
  if [ -e "$t.bad" ]; then
    code=EINVAL
    err_json="{\"code\":\"EINVAL\",\"killed\":false,\"signal\":null,\"message\":$(json_file "$t.bad")}"
    log "task $1: $(cat "$t.bad")"
  elif [ -e "$t.url" ] && ! download "$t"; then
    code=EDOWNLOAD
    err_json="{\"code\":\"EDOWNLOAD\",\"killed\":false,\"signal\":null,\"message\":$(json_text "download of $(cat "$t.url") failed: $(http_error_text)")}"
  elif [ -e "$t.cmd" ]; then
    attempts=1
    [ -e "$t.retries" ] && attempts=$(($(cat "$t.retries") + 1))
    while :; do
      execute "$t"
      accepted "$t" "$code" && break
      attempts=$((attempts - 1))
      [ "$attempts" -gt 0 ] || break
      log "task $1: exit status $code, trying again"
    done
    if [ "$code" -ne 0 ]; then
      killed=false
      signal=null
      message="exit status $code"
      if [ -n "$timed_out" ]; then
        killed=true
        signal='"SIGKILL"'
        message="timed out after $(cat "$t.timeout") ms"
      fi
      err_json="{\"code\":$code,\"killed\":$killed,\"signal\":$signal,\"cmd\":$(json_file "$t.cmd"),\"message\":\"$message\"}"
    fi
  fi
  {
    printf '"stdout":'
    json_file "$t.stdout"
    printf ',"stderr":'
    json_file "$t.stderr"
    printf ',"error":%s' "$err_json"
  } >"$t.add"
  case "$code" in
    0) return 0 ;;
    *[!0-9]*) return 1 ;;
  esac
  accepted "$t" "$code"
}

accepted() {
  [ "$2" = 0 ] && return 0
  [ -e "$1.codes" ] || return 1
  for c in $(cat "$1.codes"); do [ "$c" = "$2" ] && return 0; done
  return 1
}

# Fetches a task's downloadUrl into the work directory under the URL's last path segment, mode 0555.
download() {
  url=$(cat "$1.url")
  case "$url" in
    http://* | https://*) ;;
    /*) url="$SERVER$url" ;;
    *) url="$SERVER/$url" ;;
  esac
  name=${url%%[?#]*}
  name=$(printf '%s' "${name##*/}" | tr -c 'A-Za-z0-9._+-' '_')
  case "$name" in '' | . | ..) name=download ;; esac
  rm -f "$MK_WORKDIR/$name"
  log "downloading $url"
  http "$MK_WORKDIR/$name" "$url" || {
    rm -f "$MK_WORKDIR/$name"
    log "download of $url failed: $(http_error_text)"
    return 1
  }
  chmod 0555 "$MK_WORKDIR/$name"
}

# Reads a command's stream from stdin (a fifo) into $1: the first MK_MAX_OUTPUT bytes, then it drains
# the rest, so the command never blocks on a full pipe or dies of SIGPIPE, and a marker says how much
# was dropped. It runs in its own session so that it can be stopped with everything it started.
reader() {
  exec setsid sh -c '
    dd of="$1" bs="$2" count=1 iflag=fullblock 2>/dev/null
    dropped=$(wc -c)
    [ "$dropped" -eq 0 ] || printf "\n[monorail-agent: output truncated after %s bytes, %s more dropped]\n" "$2" "$dropped" >>"$1"
  ' reader "$1" "$MK_MAX_OUTPUT"
}

# Runs t.cmd with $MK_TASK_SHELL -c in the work directory (what Node's exec does), stdout and stderr
# bounded separately. The command runs in its own session: a timeout kills it with everything it
# started. Sets code and timed_out.
execute() {
  rm -f "$1.ofifo" "$1.efifo" "$1.killed"
  mkfifo "$1.ofifo" "$1.efifo"
  reader "$1.stdout" <"$1.ofifo" &
  po=$!
  reader "$1.stderr" <"$1.efifo" &
  pe=$!
  timed_out=
  log "running: $(head -c 200 "$1.cmd" | tr '\n' ' ')"
  (cd "$MK_WORKDIR" && exec setsid "$MK_TASK_SHELL" -c "$(cat "$1.cmd")") >"$1.ofifo" 2>"$1.efifo" </dev/null &
  pc=$!
  pw=
  if [ -e "$1.timeout" ]; then
    (
      sleep_ms "$(cat "$1.timeout")"
      kill -KILL "-$pc" 2>/dev/null && : >"$1.killed"
    ) &
    pw=$!
  fi
  wait "$pc"
  code=$?
  if [ -n "$pw" ]; then
    kill "$pw" 2>/dev/null
    wait "$pw" 2>/dev/null
  fi
  [ -e "$1.killed" ] && timed_out=1
  # Something the command left running may still hold its output open (RackHD's agent waited for
  # ever); its output is read for a grace period, then no longer. That process is left alone.
  waited=0
  while kill -0 "$po" 2>/dev/null || kill -0 "$pe" 2>/dev/null; do
    if [ "$waited" -ge "$MK_OUTPUT_GRACE_MS" ]; then
      log "the command left a process holding its output open; output read until now is kept"
      kill -KILL "-$po" "-$pe" 2>/dev/null
      break
    fi
    sleep 0.05
    waited=$((waited + 50))
  done
  wait "$po" "$pe" 2>/dev/null
  rm -f "$1.ofifo" "$1.efifo" "$1.killed"
}

# Builds the POST body: the reply's own members, then tasks with the outputs added.
build_body() {
  {
    printf '{'
    cat "$R/head"
    [ -s "$R/head" ] && printf ','
    printf '"tasks":['
    i=1
    while [ "$i" -le "$n" ]; do
      [ "$i" -gt 1 ] && printf ','
      printf '{'
      cat "$R/t.$i.m"
      if [ -e "$R/t.$i.add" ]; then
        [ -s "$R/t.$i.m" ] && printf ','
        cat "$R/t.$i.add"
      fi
      printf '}'
      i=$((i + 1))
    done
    printf ']}\n'
  } >"$R/body.json"
}

post_body() {
  attempt=1
  post_delay=$MK_POLL_MIN_MS
  while :; do
    if http "$STATE/post.reply" --header 'Content-Type: application/json' --post-file "$R/body.json" "$TASKS_URL"; then
      log "posted results ($(wc -c <"$R/body.json") bytes)"
      return 0
    fi
    if [ "$HTTP_RESULT" = notfound ] || [ "$HTTP_RESULT" = client ]; then
      # The server refused this body; sending it again would not change that.
      log "the server refused the results: $(http_error_text)"
      return 1
    fi
    [ "$attempt" -lt "$MK_POST_ATTEMPTS" ] || {
      log "giving up posting results after $attempt attempts: $(http_error_text)"
      return 1
    }
    log "posting results failed ($(http_error_text)), attempt $attempt; retrying"
    sleep_ms "$post_delay"
    post_delay=$((post_delay * 2 > MK_POLL_MAX_MS ? MK_POLL_MAX_MS : post_delay * 2))
    attempt=$((attempt + 1))
  done
}

# Handles a 200 reply in $STATE/reply. Returns 0 when it was the protocol's JSON and has been answered.
handle_reply() {
  R="$STATE/r"
  rm -rf "$R"
  mkdir -p "$R"
  size=$(wc -c <"$STATE/reply")
  if [ "$size" -gt "$MK_MAX_REPLY" ]; then
    log "ignoring a reply of $size bytes (more than $MK_MAX_REPLY); asking again in $delay ms"
    return 1
  fi
  if [ "$(tr -d '\000' <"$STATE/reply" | wc -c)" -ne "$size" ]; then
    log "ignoring a reply with NUL bytes; asking again in $delay ms"
    return 1
  fi
  if ! awk -v D="$R" -f "$STATE/json-read.awk" <"$STATE/reply"; then
    log "ignoring a malformed reply: $(cat "$R/error" 2>/dev/null || echo 'the JSON reader failed'); asking again in $delay ms"
    return 1
  fi
  n=$(cat "$R/n")
  log "received $n task(s)"
  i=1
  while [ "$i" -le "$n" ]; do
    if ! run_task "$i"; then
      log "task $i failed; the remaining tasks are not run"
      break
    fi
    i=$((i + 1))
  done
  build_body
  post_body || true
  return 0
}

log "node $NODE_ID${MAC:+ ($MAC)}, server $SERVER"
delay=$MK_POLL_MIN_MS
while :; do
  if http "$STATE/reply" "$TASKS_URL"; then
    if handle_reply; then
      if [ -e "$R/exit" ]; then
        status=$(cat "$R/exit")
        log "exiting with $status as the server asked"
        exit "$status"
      fi
      delay=$MK_POLL_MIN_MS
      continue
    fi
  elif [ "$HTTP_RESULT" = notfound ]; then
    log "no tasks yet; asking again in $delay ms"
  else
    log "asking for tasks failed: $(http_error_text); asking again in $delay ms"
  fi
  sleep_ms "$delay"
  delay=$((delay * 2 > MK_POLL_MAX_MS ? MK_POLL_MAX_MS : delay * 2))
done
