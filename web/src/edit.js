// The edit dialog (title, description, tags, visibility and the NFT gate) and the delete
// confirmation, both modal <dialog>s: focus moves in, Escape closes, focus returns to the
// button that opened them.
import { api } from './api.js';
import { h, field, uid } from './dom.js';
import { chainLabel } from './format.js';
import { knownChains } from './session.js';

function modal(titleText, body, { onClose } = {}) {
  const titleId = uid('dlg');
  const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': titleId }, h('h2', { id: titleId }, titleText), body);
  dialog.addEventListener('close', () => {
    onClose?.(dialog.returnValue);
    dialog.remove();
  });
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

export function confirmDelete(item, opener) {
  return new Promise((resolve) => {
    const form = h('form', { method: 'dialog' },
      h('p', {}, `Delete “${item.title}”? Its video files and statistics are removed for good. This cannot be undone.`),
      h('div', { class: 'dialog-actions' },
        h('button', { value: 'cancel', class: 'secondary', autofocus: true }, 'Keep it'),
        h('button', { value: 'delete', class: 'danger' }, 'Delete for good')));
    modal('Delete this video?', form, {
      onClose: (value) => {
        opener?.focus();
        resolve(value === 'delete');
      },
    });
  });
}

// Resolves to the saved record, or null when cancelled.
export async function openEditDialog(item, opener) {
  const chains = await knownChains();
  return new Promise((resolve) => {
    let saved = null;
    const title = h('input', { type: 'text', required: true, maxlength: 200, value: item.title || '', autocomplete: 'off' });
    const description = h('textarea', { rows: 4, maxlength: 5000 });
    description.value = item.description || '';
    const tags = h('input', { type: 'text', value: (item.tags || []).join(', '), autocomplete: 'off' });
    const visibility = h('select', {},
      h('option', { value: 'public' }, 'Public — anyone'),
      h('option', { value: 'signed_in' }, 'Signed-in viewers'),
      h('option', { value: 'token_gated' }, 'Holders of an NFT (token gate)'));
    visibility.value = item.visibility || 'public';

    const gate = item.gate || {};
    const chain = h('select', { required: true });
    const chainIds = chains.map((c) => Number(c.chain_id));
    for (const c of chains) chain.append(h('option', { value: String(c.chain_id) }, chainLabel(c.chain_id, chains)));
    if (gate.chain_id && !chainIds.includes(Number(gate.chain_id))) {
      chain.append(h('option', { value: String(gate.chain_id) }, `${chainLabel(gate.chain_id, chains)} — not configured on this server`));
    }
    if (gate.chain_id) chain.value = String(gate.chain_id);
    const contract = h('input', { type: 'text', value: gate.contract || '', placeholder: '0x…', pattern: '^0x[0-9a-fA-F]{40}$', autocomplete: 'off', spellcheck: false });
    const standard = h('select', {},
      h('option', { value: 'erc721' }, 'ERC-721'),
      h('option', { value: 'erc1155' }, 'ERC-1155'));
    standard.value = gate.standard || 'erc721';
    const tokenId = h('input', { type: 'text', inputmode: 'numeric', pattern: '^[0-9]{1,78}$', value: gate.token_id ?? '', autocomplete: 'off' });
    const minBalance = h('input', { type: 'number', min: 1, step: 1, value: String(gate.min_balance ?? 1) });
    const noChains = chains.length === 0
      ? h('p', { class: 'warning' }, 'This server has no chains configured (plugins.auth.chains), so NFT gates cannot be checked.')
      : null;
    const gateSet = h('fieldset', { class: 'gate' },
      h('legend', {}, 'Token gate'),
      noChains,
      field('Chain', chain),
      field('Contract address', contract, 'The NFT contract, 0x followed by 40 hex digits.'),
      field('Token standard', standard),
      field('Token ID', tokenId, 'ERC-721: empty means any token of the contract; with an ID, only its owner. ERC-1155: required.'),
      field('Minimum balance', minBalance));
    const syncGate = () => {
      const gated = visibility.value === 'token_gated';
      gateSet.hidden = !gated;
      gateSet.disabled = !gated;
    };
    visibility.addEventListener('change', syncGate);
    syncGate();

    const error = h('p', { class: 'form-error', role: 'alert' });
    const saveButton = h('button', { type: 'submit', class: 'primary' }, 'Save');
    const cancelButton = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
    const form = h('form', { novalidate: true },
      field('Title', title),
      field('Description', description),
      field('Tags', tags, 'Separated by commas, up to 20.'),
      field('Who can watch', visibility),
      gateSet,
      error,
      h('div', { class: 'dialog-actions' }, cancelButton, saveButton));

    const dialog = modal(`Edit “${item.title}”`, form, {
      onClose: () => {
        opener?.focus();
        resolve(saved);
      },
    });
    cancelButton.addEventListener('click', () => dialog.close());

    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      error.textContent = '';
      if (!form.reportValidity()) return;
      const patch = {
        title: title.value.trim(),
        description: description.value,
        tags: tags.value.split(',').map((t) => t.trim()).filter(Boolean),
        visibility: visibility.value,
      };
      if (visibility.value === 'token_gated') {
        if (standard.value === 'erc1155' && !tokenId.value.trim()) {
          error.textContent = 'ERC-1155 gates need a token ID.';
          tokenId.focus();
          return;
        }
        patch.gate = {
          chain_id: Number(chain.value),
          contract: contract.value.trim(),
          standard: standard.value,
          token_id: tokenId.value.trim() || null,
          min_balance: Number(minBalance.value) || 1,
        };
      }
      saveButton.disabled = true;
      saveButton.textContent = 'Saving…';
      try {
        saved = await api.updateContent(item.id, patch);
        dialog.close();
      } catch (err) {
        error.textContent = `Not saved: ${err.message}`;
        saveButton.disabled = false;
        saveButton.textContent = 'Save';
      }
    });
    title.focus();
  });
}
