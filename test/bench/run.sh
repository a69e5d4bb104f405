#!/usr/bin/env bash
# run.sh: otpnet's echo benchmark matrix. Builds the load generators
# (load, bigpkt), the peer servers (stdecho, gnetecho, and cecho with cc -O2)
# and otpnet's cmd/echo, runs test/bench/matrix over them and draws the
# throughput plot.
#
#   test/bench/run.sh                # full matrix (about 30 minutes): docs/BENCHMARKS.md,
#                                    # docs/bench-throughput.png, test/bench/results.jsonl
#   test/bench/run.sh --quick        # smoke test (about 3 minutes): all in test/bench/out/
#   test/bench/run.sh --out DIR      # BENCHMARKS.md and bench-throughput.png in DIR
#   test/bench/run.sh --results FILE # the raw JSON lines in FILE
#   test/bench/run.sh -servers stdlib,otpnet-once -conns 100,1000   # any matrix flag
#   test/bench/run.sh -servers stdlib-tls,erlang-tls,otpnet-tls   # only the TLS rows
#   test/bench/run.sh -servers stdlib,cecho,erlang-once,otpnet-once \
#       -conns '' -rates '' -idle '' -bigsizes 1,4,16,64   # only big packets
#
# Servers (-servers): stdlib, gnet, cecho (C epoll, the physical limit),
# erlang-once, erlang-n, otpnet-once, otpnet-n, otpnet-true, otpnet-portable
# (OTPNET_DRIVER=portable), and over TLS stdlib-tls, erlang-tls, otpnet-tls.
# -bigsizes 1,4,16,64 (MiB, the default) adds big {packet, 4} echo cells for
# the servers that are not TLS. Without -servers, a server whose
# prerequisite is missing (escript, erlang-ssl, a C compiler) is left out
# with a message; named in -servers it is an error.
#
# OTPNET_ECHO="path/to/server [flags]" runs that as otpnet's server instead
# of building ./cmd/echo; the matrix adds -addr, -packet, -active,
# -acceptors, -max-conns and -drain, and drops the flags it rejects.
# Needs Go, taskset (util-linux), cc for cecho and, for the Erlang servers,
# escript (apt-get install erlang-base; erlang-ssl for erlang-tls). Every
# server runs on 127.0.0.1 and is stopped before the script exits.
set -euo pipefail
script="$(readlink -f "$0")"
cd "$(dirname "$script")/../.."

orig=("$@")
quick=0
out=""
results=""
args=()
while (($#)); do
	case "$1" in
	--quick) quick=1 ;;
	--out)
		out="$2"
		shift
		;;
	--out=*) out="${1#--out=}" ;;
	--results)
		results="$2"
		shift
		;;
	--results=*) results="${1#--results=}" ;;
	-h | --help)
		awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$script"
		exit 0
		;;
	*) args+=("$1") ;;
	esac
	shift
done

if ((quick)); then
	out="${out:-test/bench/out}"
	results="${results:-test/bench/out/results.jsonl}"
	args=(-quick "${args[@]}")
else
	out="${out:-docs}"
	results="${results:-test/bench/results.jsonl}"
fi
mkdir -p "$out" "$(dirname "$results")"

bin="$(mktemp -d "${TMPDIR:-/tmp}/otpnet-bench.XXXXXX")"
matrix_pid=""
cleanup() {
	if [[ -n "$matrix_pid" ]]; then
		kill -TERM "$matrix_pid" 2>/dev/null || true
		wait "$matrix_pid" 2>/dev/null || true
	fi
	rm -rf "$bin"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "run.sh: building into $bin" >&2
go build -o "$bin/" ./test/bench/load ./test/bench/bigpkt ./test/bench/peers/stdecho ./test/bench/matrix
if command -v cc >/dev/null 2>&1; then
	cc -O2 -o "$bin/cecho" test/bench/peers/cecho/cecho.c
else
	echo "run.sh: no C compiler (cc): cecho, the C epoll echo, is not built" >&2
fi
(cd test/bench/peers/gnetecho && go build -o "$bin/gnetecho" .)
(cd test/bench/plot && go build -o "$bin/plot" .)
if [[ -n "${OTPNET_ECHO:-}" ]]; then
	args=(-otpnet "$OTPNET_ECHO" "${args[@]}")
else
	go build -o "$bin/echo" ./cmd/echo
fi

echo "run.sh: $(uptime)" >&2
"$bin/matrix" -bin "$bin" -logs "$bin/logs" -results "$results" -report "$out/BENCHMARKS.md" \
	-plot bench-throughput.png -command "test/bench/run.sh${orig[*]:+ ${orig[*]}}" "${args[@]}" &
matrix_pid=$!
status=0
wait "$matrix_pid" || status=$?
matrix_pid=""
if grep -q '"loop":"closed"' "$results" 2>/dev/null; then # a big-packets-only run has no plot
	"$bin/plot" -in "$results" -out "$out/bench-throughput.png" || status=1
fi
echo "run.sh: $out/BENCHMARKS.md, $out/bench-throughput.png, $results" >&2
exit "$status"
