/**
 * The `cards` kind: a card table with betting (core/game.ts `CardsUi`): the other seats at the top,
 * the pot, public cards and betting in the middle, the person's seat at the bottom, and a button
 * per action under the table.
 */
import { el, list } from './common.js';

const RED_SUITS = new Set(['♥', '♦']);

export default function cardsRenderer(ui) {
  const faces = new Map(ui.cards.map((c) => [c.name, c]));
  let table = null;
  let buttonRow = null;
  let buttons = [];

  /** A card: a name from `ui.cards`; null = face down; undefined = no card. */
  function cardEl(card, label, testid) {
    if (card === undefined) return el('div', { class: 'card empty', 'data-testid': testid, 'aria-label': `${label}: none` });
    if (card === null) return el('div', { class: 'card back', 'data-testid': testid, 'aria-label': `${label}: face down`, role: 'img' });
    const face = faces.get(card) ?? { rank: String(card) };
    const suit = face.suit ?? '';
    const corner = `${face.rank}${suit}`;
    return el(
      'div',
      { class: `card face${RED_SUITS.has(suit) ? ' red' : ''}`, 'data-testid': testid, 'data-card': card, 'aria-label': `${label}: ${corner}`, role: 'img' },
      el('span', { class: 'corner', text: corner }),
      el('span', { class: 'pip' }, el('span', { class: 'rank', text: face.rank }), suit ? el('span', { class: 'suit', text: suit }) : null),
      el('span', { class: 'corner bottom', text: corner }),
    );
  }

  /** Chips in the pot: a view that pays the pot out keeps its `contributions`. */
  function potOf(view) {
    const contributions = list(view, 'contributions');
    if (contributions.length) return contributions.reduce((a, b) => a + b, 0);
    return view.pot ?? '–';
  }

  function bettingLines(view, who) {
    const betting = list(view, 'betting');
    const round = view.round ?? 1;
    const lines = [];
    for (let r = 0; r < ui.rounds; r++) {
      const bets = Array.isArray(betting[r]) ? betting[r] : [];
      if (r > 0 && r >= round && !bets.length) continue;
      const text = bets.map(({ seat, action }) => `${who(seat)} ${(ui.actionLabels[action] ?? String(action)).toLowerCase()}`).join(' · ');
      const label = ui.rounds === 1 ? 'Betting' : `Round ${r + 1}`;
      lines.push(el('p', { class: 'bet-line' }, el('span', { class: 'muted', text: `${label}: ` }), text || '—'));
    }
    return lines;
  }

  return {
    mount(board, ctx) {
      table = el('div', { class: 'card-table' });
      buttonRow = el('div', { class: 'bet-buttons', role: 'group', 'aria-label': 'Your action' });
      buttons = ui.actionLabels.map((label, a) =>
        el('button', { type: 'button', class: 'bet-button', 'data-testid': `action-${a}`, 'data-action': a, text: label, onclick: () => ctx.send(a) }),
      );
      buttonRow.append(...buttons);
      board.replaceChildren(el('div', { class: 'cards' }, table, buttonRow, ui.hint ? el('p', { class: 'muted small hint', text: ui.hint }) : null));
    },
    update({ view, s, myTurn, mySeat, spectator, playerName }) {
      buttonRow.hidden = spectator;
      const legal = new Set(list(view, 'legal'));
      buttons.forEach((b, a) => {
        b.disabled = !(myTurn && s.phase === 'playing' && legal.has(a));
        b.dataset.legal = String(legal.has(a));
      });

      const me = spectator || mySeat === null ? 0 : mySeat;
      const cards = list(view, 'cards');
      const contributions = list(view, 'contributions');
      // a card shows when the view has it; otherwise it is face down once dealt
      const dealt = (seat) => cards[seat] || (s.phase === 'waiting' ? undefined : null);
      const seatBox = (seat, top) => {
        const name = playerName(seat);
        const mine = seat === mySeat && !spectator;
        return el(
          'div',
          { class: `card-seat ${top ? 'top' : 'bottom'}${s.toMove === seat && s.phase === 'playing' ? ' acting' : ''}`, 'data-testid': `card-seat-${seat}` },
          el('div', { class: 'seat-name', text: name }),
          cardEl(dealt(seat), mine ? 'Your card' : `${name}'s card`, `card-${seat}`),
          contributions[seat] !== undefined ? el('div', { class: 'chips', text: `${contributions[seat]} in pot` }) : null,
        );
      };
      const shown = list(view, 'publicCards');
      const publicCards = [];
      for (let i = 0; i < ui.publicCards; i++) publicCards.push(cardEl(shown[i] ?? undefined, 'Public card', `public-card-${i}`));
      const centre = el(
        'div',
        { class: 'card-centre' },
        el('div', { class: 'pot', 'data-testid': 'pot' }, el('span', { class: 'pot-label', text: 'Pot' }), el('span', { class: 'pot-value', text: String(potOf(view)) })),
        publicCards.length
          ? el('div', { class: 'public-cards' }, el('span', { class: 'muted small', text: `Round ${view.round ?? 1} · public card${publicCards.length > 1 ? 's' : ''}` }), el('div', { class: 'public-row' }, ...publicCards))
          : null,
        el('div', { class: 'betting', 'data-testid': 'betting' }, ...bettingLines(view, playerName)),
      );
      const others = s.seats.map((_, i) => i).filter((i) => i !== me);
      table.replaceChildren(...others.map((seat) => seatBox(seat, true)), centre, seatBox(me, false));
    },
    unmount() {
      buttons = [];
    },
  };
}
