/* global document, window */
/**
 * Helpers shared by the client's modules: app.js (lobby and room) and the renderers (render-<kind>.js).
 */

/** Element helper: el('button', { class: 'x', 'data-testid': 'y', onclick }, 'text', child). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}

/** Team index of a seat in a game summary (`teams[t]` lists the seats of team t), -1 for none. */
export function teamOf(info, seat) {
  return (info?.teams || []).findIndex((t) => t.includes(seat));
}

/** The array under `view[key]`, or an empty one (views come from the network). */
export function list(view, key) {
  return Array.isArray(view?.[key]) ? view[key] : [];
}

/** Sizes a canvas for a drawing of cssW × cssH CSS pixels at the screen's pixel ratio, and scales its context `g` to CSS pixels. */
export function fitCanvas(canvas, g, cssW, cssH) {
  const dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(cssW * dpr)) {
    canvas.width = Math.round(cssW * dpr);
    canvas.height = Math.round(cssH * dpr);
    canvas.style.aspectRatio = `${cssW} / ${cssH}`;
  }
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
}
