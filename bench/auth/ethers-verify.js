// Node baseline: ethers.verifyMessage (+ address comparison) over bench/auth/siwe-messages.json
// for ~3 s after a warm-up; prints wall-clock and CPU-time rates. SIWE parsing is not included here
// (it would only slow Node down), so the comparison favours ethers.
//   node bench/auth/ethers-verify.js
'use strict';
const path = require('path');
const nodeDir = path.join(__dirname, '..', '..', 'tests', 'node');
const { verifyMessage } = require(path.join(nodeDir, 'node_modules', 'ethers'));
const msgs = require('./siwe-messages.json');

function run(ms) {
  let n = 0;
  const cpu0 = process.cpuUsage();
  const end = process.hrtime.bigint() + BigInt(ms) * 1000000n;
  const start = process.hrtime.bigint();
  while (process.hrtime.bigint() < end) {
    for (const m of msgs) {
      if (verifyMessage(m.message, m.signature) !== m.address) throw new Error('mismatch');
      ++n;
    }
  }
  const cpu = process.cpuUsage(cpu0);
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  return { wall: n / wall, cpu: n / ((cpu.user + cpu.system) / 1e6) };
}
run(500);
const r = run(3000);
// Both rates: the machine may be shared; CPU-time rates are what Google Benchmark reports.
console.log(JSON.stringify({ ops_per_sec_wall: Math.round(r.wall), ops_per_sec_cpu: Math.round(r.cpu),
                             node: process.version }));
