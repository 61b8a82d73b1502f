// A local EVM chain for the auth tests: ganache on 127.0.0.1:<port> (chain id 1337,
// shanghai), contracts compiled with solc-js against @openzeppelin/contracts 5.4.0 and
// deployed; token #1 / 3 x id 7 minted to account 0, which also owns the ERC-1271 wallet.
// Writes the deployment to --out, prints READY, serves until SIGTERM.
//   node tests/node/auth-chain.js --port 8545 --out /tmp/chain.json
'use strict';
const fs = require('fs');
const path = require('path');
const ganache = require('ganache');
const solc = require('solc');
const { ethers } = require('ethers');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

const KEYS = [
  '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318',
  '0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  '0x8da4ef21b864d2cc526dbdb2a120bd2874c36c9d0a1fb7f8c63d7f7a8b41de8f',
];

function compile() {
  const file = 'AuthTestTokens.sol';
  const input = {
    language: 'Solidity',
    sources: { [file]: { content: fs.readFileSync(path.join(__dirname, 'contracts', file), 'utf8') } },
    settings: { evmVersion: 'shanghai', optimizer: { enabled: true, runs: 200 },
                outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
  };
  const findImports = (p) => {
    try {
      return { contents: fs.readFileSync(require.resolve(p), 'utf8') };
    } catch (e) {
      return { error: `not found: ${p}` };
    }
  };
  // solc-js takes seconds: reuse the output for identical input (source + settings + solc).
  const key = require('crypto').createHash('sha256')
      .update(JSON.stringify(input) + solc.version()).digest('hex').slice(0, 16);
  const cacheFile = path.join(__dirname, 'node_modules', '.cache', `auth-contracts-${key}.json`);
  if (fs.existsSync(cacheFile)) return JSON.parse(fs.readFileSync(cacheFile, 'utf8'));
  const out = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  const errors = (out.errors || []).filter((e) => e.severity === 'error');
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
  fs.writeFileSync(cacheFile, JSON.stringify(out.contracts[file]));
  return out.contracts[file];
}

async function main() {
  const port = Number(arg('port', '8545'));
  const outFile = arg('out');
  const server = ganache.server({
    chain: { chainId: 1337, hardfork: 'shanghai' },
    wallet: { accounts: KEYS.map((k) => ({ secretKey: k, balance: '0x3635C9ADC5DEA00000' })) },
    logging: { quiet: true },
    miner: { instamine: 'eager' },
  });
  await server.listen(port, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  const provider = new ethers.JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const deployer = new ethers.NonceManager(new ethers.Wallet(KEYS[0], provider));
  const built = compile();
  async function deploy(name, ...args) {
    const f = new ethers.ContractFactory(built[name].abi, built[name].evm.bytecode.object, deployer);
    const c = await f.deploy(...args);
    await c.waitForDeployment();
    return c;
  }
  const accounts = KEYS.map((k) => ({ key: k, address: new ethers.Wallet(k).address }));
  const nft = await deploy('TestNFT');
  const multi = await deploy('TestMulti');
  const wallet = await deploy('TestWallet', accounts[0].address);
  await (await nft.mint(accounts[0].address, 1)).wait();
  await (await multi.mint(accounts[0].address, 7, 3)).wait();
  // ENS: account 0 is alice.eth both ways; account 1's reverse record also claims alice.eth,
  // which the forward check must refuse; account 2 has none.
  const registry = await deploy('TestENSRegistry');
  const resolver = await deploy('TestENSResolver');
  const reverseNode = (a) => ethers.namehash(a.toLowerCase().slice(2) + '.addr.reverse');
  const resolverAddress = await resolver.getAddress();
  for (const node of [reverseNode(accounts[0].address), reverseNode(accounts[1].address),
                      ethers.namehash('alice.eth')])
    await (await registry.setResolver(node, resolverAddress)).wait();
  await (await resolver.setName(reverseNode(accounts[0].address), 'alice.eth')).wait();
  await (await resolver.setName(reverseNode(accounts[1].address), 'alice.eth')).wait();
  await (await resolver.setAddr(ethers.namehash('alice.eth'), accounts[0].address)).wait();
  const deployment = {
    rpc_url: url, chain_id: 1337, accounts,
    erc721: await nft.getAddress(), erc1155: await multi.getAddress(), wallet: await wallet.getAddress(),
    ens_registry: await registry.getAddress(),
  };
  if (outFile) fs.writeFileSync(outFile, JSON.stringify(deployment, null, 1));
  console.log('READY ' + JSON.stringify(deployment));
  const stop = async () => { await server.close(); process.exit(0); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
main().catch((e) => { console.error(e); process.exit(1); });
