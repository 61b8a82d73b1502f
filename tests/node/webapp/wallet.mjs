// An EIP-1193 provider for a playwright page, backed by an ethers v6 Wallet in node: the page
// gets window.ethereum (page.addInitScript) whose request() calls into node
// (page.exposeFunction), where the wallet answers and signs. What a browser extension does,
// minus the confirmation prompts.
import { Wallet, getBytes } from 'ethers';

export async function injectWallet(page, privateKey, chainId) {
  const wallet = new Wallet(privateKey);
  const calls = [];
  await page.exposeFunction('__sgWalletRequest', async (method, params) => {
    calls.push(method);
    switch (method) {
      case 'eth_requestAccounts':
      case 'eth_accounts':
        return [wallet.address.toLowerCase()]; // as many wallets answer: the page checksums it
      case 'eth_chainId':
        return `0x${chainId.toString(16)}`;
      case 'personal_sign': {
        const [data, address] = params;
        if (address.toLowerCase() !== wallet.address.toLowerCase()) {
          throw new Error(`personal_sign for ${address}, but this wallet is ${wallet.address}`);
        }
        return wallet.signMessage(getBytes(data));
      }
      default:
        throw new Error(`unsupported method ${method}`);
    }
  });
  await page.addInitScript(() => {
    const listeners = {};
    window.ethereum = {
      isStreamGateTestWallet: true,
      request: ({ method, params }) => window.__sgWalletRequest(method, params ?? []),
      on: (event, fn) => {
        (listeners[event] ||= []).push(fn);
      },
      removeListener: (event, fn) => {
        listeners[event] = (listeners[event] || []).filter((f) => f !== fn);
      },
    };
  });
  return { address: wallet.address, calls };
}
