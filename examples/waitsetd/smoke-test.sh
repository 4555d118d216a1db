#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Smoke test of waitsetd over HTTP with curl, in TAP format: start the
# server on a free loopback port, authenticate, watch an account, deliver
# a message, check the HTTP error paths, then stop it with SIGTERM.
#
#   smoke-test.sh PATH-TO-WAITSETD
#
# WAITSET_SERVER_WRAPPER, when set, is a command prefix for the server,
# e.g. "valgrind --error-exitcode=99".
set -u

server=$1
work=$(mktemp -d)
pid=
count=0
failed=0

cleanup() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT

report() {
  count=$((count + 1))
  if [ "$1" = 0 ]; then
    echo "ok $count - $2"
  else
    echo "not ok $count - $2"
    failed=$((failed + 1))
  fi
}

# check NAME COMMAND...: one TAP line for a command's exit status.
check() {
  name=$1
  shift
  "$@"
  report $? "$name"
}

contains() {
  case "$1" in
    *"$2"*) return 0 ;;
  esac
  echo "# expected \"$2\" in: $1" | head -c 600
  echo
  return 1
}

envelope() {
  printf '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope">'
  if [ -n "${token:-}" ]; then
    printf '<soap:Header><context xmlns="urn:zimbra"><authToken>%s' "$token"
    printf '</authToken></context></soap:Header>'
  fi
  printf '<soap:Body>%s</soap:Body></soap:Envelope>' "$1"
}

# soap PATH BODY: print the response body followed by "HTTP NNN".
soap() {
  envelope "$2" | curl -s -w ' HTTP %{http_code}' \
    -H 'Content-Type: application/soap+xml' --data-binary @- \
    "http://$address$1"
}

# status METHOD PATH [CURL-ARGS]: print the HTTP status only.
status() {
  method=$1
  path=$2
  shift 2
  curl -s -o /dev/null -w '%{http_code}' -X "$method" "$@" \
    "http://$address$path"
}

echo "1..18"

help=$("$server" --help)
check "help lists the timing options" contains "$help" "--sweep-interval"
"$server" --timeout-min abc 2>"$work/err"
report $([ $? = 2 ] && echo 0 || echo 1) "invalid option exits with 2"

${WAITSET_SERVER_WRAPPER:-} "$server" --listen 127.0.0.1:0 \
  --max-request-bytes 4096 --initial-poll-delay-ms 0 \
  --coalesce-delay-ms 0 --timeout-min 1 --timeout-default 1 \
  --timeout-max 2 >"$work/address" 2>"$work/log" &
pid=$!
tries=0
while [ ! -s "$work/address" ] && [ $tries -lt 300 ]; do
  sleep 0.1
  tries=$((tries + 1))
done
address=$(head -n 1 "$work/address")
check "server prints its address" contains "$address" "127.0.0.1:"

user1=aaaaaaaa-0000-0000-0000-000000000001
request='<AuthRequest xmlns="urn:zimbraAccount">'
request="$request"'<account by="name">user1@example.test</account>'
request="$request"'<password>secret</password></AuthRequest>'
out=$(soap /service/soap "$request")
check "auth returns a token" contains "$out" "</authToken>"
token=$(echo "$out" | sed -n 's/.*<authToken>\([0-9a-f]*\)<\/authToken>.*/\1/p')

request='<CreateWaitSetRequest xmlns="urn:zimbraMail" defTypes="m">'
request="$request<add><a id=\"$user1\"/></add></CreateWaitSetRequest>"
out=$(soap /service/soap "$request")
check "create waitset" contains "$out" "HTTP 200"
waitset=$(echo "$out" | sed -n 's/.*waitSet="\([^"]*\)".*/\1/p')

request='<AddMsgRequest xmlns="urn:zimbraMail"><m l="2" f="u">'
request="$request"'<content>hello</content></m></AddMsgRequest>'
out=$(soap /service/soap/AddMsgRequest "$request")
check "add message" contains "$out" '<m id="256"'

request="<WaitSetRequest xmlns=\"urn:zimbraMail\" waitSet=\"$waitset\""
request="$request seq=\"0\" block=\"1\"/>"
out=$(soap /service/soap/ "$request")
check "wait reports the change" contains "$out" "id=\"$user1\" changeid=\"101\""

token=
out=$(soap /service/soap '<NoOpRequest xmlns="urn:zimbraMail"/>')
check "no token is a fault" contains "$out" "service.AUTH_REQUIRED</Code>"
check "fault has status 500" contains "$out" "</soap:Envelope> HTTP 500"

check "unknown path is 404" contains "$(status POST /other -d x)" 404
check "GET is 405" contains "$(status GET /service/soap)" 405
big=$(head -c 5000 /dev/zero | tr '\0' x)
check "large body is 413" contains \
  "$(status POST /service/soap -d "$big")" 413
out=$(soap /service/soap "<NoOpRequest xmlns=\"urn:zimbraMail\"/><!--$big-->")
check "413 body is an INVALID_REQUEST fault" contains "$out" \
  "<Code>service.INVALID_REQUEST</Code>"
check "413 fault names the limit" contains "$out" \
  "larger than 4096 bytes</soap:Text>"
check "413 fault is the whole body" contains "$out" \
  "</soap:Envelope> HTTP 413"
check "malformed XML is a parse error" contains \
  "$(soap /service/soap '<unclosed')" "service.PARSE_ERROR"

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
report $rc "SIGTERM stops the server with status 0"
check "log has the start and stop lines" contains "$(cat "$work/log")" \
  "info  stopped"

if [ $failed -ne 0 ]; then
  echo "# server log:"
  sed 's/^/# /' "$work/log"
  exit 1
fi
exit 0
