#!/usr/bin/env bash
# SIWE verification throughput: C++ (Google Benchmark) vs ethers.verifyMessage in Node, on
# the same 64 messages (bench/auth/siwe-messages.json). Usage: bench/auth/run.sh [build dir]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build}"
"$here/../../scripts/install-node-deps.sh"
cmake --build "$build" --target bench_auth_siwe -j2 > /dev/null
"$build/bin/bench_auth_siwe" --benchmark_min_time=2 --benchmark_format=json > /tmp/sg-bench-auth.json
node "$here/ethers-verify.js" > /tmp/sg-bench-auth-node.json
node -e '
const b = require("/tmp/sg-bench-auth.json").benchmarks;
const n = require("/tmp/sg-bench-auth-node.json");
const rate = (name) => b.find((x) => x.name === name).items_per_second;
const raw = rate("BM_RawKeccakRecover"), ours = rate("BM_SiweVerify"), login = rate("BM_SiweLogin");
console.log(`raw keccak+recover : ${raw.toFixed(0)}/s (CPU time)`);
console.log(`SIWE verify (ours) : ${ours.toFixed(0)}/s  = ${(ours / raw).toFixed(2)}x raw (goal >= 0.8)`);
console.log(`SIWE login (svc)   : ${login.toFixed(0)}/s  = ${(login / raw).toFixed(2)}x raw`);
console.log(`ethers.verifyMessage: ${n.ops_per_sec_cpu}/s CPU, ${n.ops_per_sec_wall}/s wall (${n.node})`);
console.log(`ours vs ethers     : ${(ours / n.ops_per_sec_cpu).toFixed(0)}x (goal >= 20)`);
'
