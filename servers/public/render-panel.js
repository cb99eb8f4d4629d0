/**
 * The `panel` kind, and the fallback for a kind this client does not know: the view as text and a
 * button per legal action, named by `ui.actionLabels`.
 */
import { el, list } from './common.js';

export default function panelRenderer(ui) {
  let pre = null;
  let row = null;
  return {
    mount(board) {
      pre = el('pre', { class: 'generic-view' });
      row = el('div', { class: 'bet-buttons', role: 'group', 'aria-label': 'Your action' });
      board.replaceChildren(el('div', { class: 'panel-view' }, pre, row, ui?.hint ? el('p', { class: 'muted small hint', text: ui.hint }) : null));
    },
    update({ view, myTurn, send }) {
      pre.textContent = JSON.stringify(view, null, 2);
      row.replaceChildren(
        ...list(view, 'legal').map((a) =>
          el('button', { type: 'button', 'data-testid': `action-${a}`, disabled: !myTurn, text: ui?.actionLabels?.[a] ?? `Action ${a}`, onclick: () => send(a) }),
        ),
      );
    },
  };
}
