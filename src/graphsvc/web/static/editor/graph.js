// CONSTRUCT and DESCRIBE results as a node-link drawing (SVG, a few hundred lines of layout at
// most): resources are nodes, links between them are arrows; literals go into a node's tooltip
// rather than becoming nodes, which keeps a description readable.

const SVG = "http://www.w3.org/2000/svg";
const MAX_NODES = 150;
const WIDTH = 860;
const HEIGHT = 520;

function node(tag, attrs = {}, text) {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  if (text !== undefined) n.textContent = text;
  return n;
}

function key(term) {
  return `${term.type}:${term.value}`;
}

export function buildGraph(rows, labelOf) {
  const nodes = new Map();
  const edges = [];
  const add = (term) => {
    if (!nodes.has(key(term))) {
      if (nodes.size >= MAX_NODES) return null;
      nodes.set(key(term), { term, label: labelOf(term), literals: [], x: 0, y: 0, vx: 0, vy: 0 });
    }
    return nodes.get(key(term));
  };
  for (const [s, p, o] of rows) {
    const from = add(s);
    if (!from) continue;
    if (o.type === "literal") {
      from.literals.push(`${labelOf(p)}: ${o.value}`);
      continue;
    }
    const to = add(o);
    if (to) edges.push({ from, to, label: labelOf(p) });
  }
  return { nodes: [...nodes.values()], edges, cut: nodes.size >= MAX_NODES };
}

// Fruchterman and Reingold's force layout, run to rest before drawing (n is at most MAX_NODES,
// so the all-pairs repulsion stays cheap), with a little gravity so that separate parts of the
// graph stay in view. It starts from a circle, so the same results always give the same drawing.
export function layout(graph, iterations = 250) {
  const n = graph.nodes.length;
  const cx = WIDTH / 2;
  const cy = HEIGHT / 2;
  graph.nodes.forEach((v, i) => {
    v.x = cx + Math.cos((2 * Math.PI * i) / n) * WIDTH * 0.35;
    v.y = cy + Math.sin((2 * Math.PI * i) / n) * HEIGHT * 0.35;
  });
  // The ideal edge length: shorter as the graph grows, and never so long that a few nodes end
  // up pinned to the edges of the drawing.
  const k = Math.min(110, 0.8 * Math.sqrt((WIDTH * HEIGHT) / Math.max(n, 1)));
  for (let step = 0; step < iterations; step += 1) {
    const heat = (WIDTH / 10) * (1 - step / iterations) + 0.5;
    for (const v of graph.nodes) {
      v.vx = (cx - v.x) * 0.02 * k / 100;
      v.vy = (cy - v.y) * 0.02 * k / 100;
    }
    for (let i = 0; i < n; i += 1) {
      for (let j = i + 1; j < n; j += 1) {
        const a = graph.nodes[i];
        const b = graph.nodes[j];
        const dx = a.x - b.x || 0.01;
        const dy = a.y - b.y || 0.01;
        const d = Math.max(Math.sqrt(dx * dx + dy * dy), 1);
        const push = (k * k) / d / d;
        a.vx += dx * push; a.vy += dy * push;
        b.vx -= dx * push; b.vy -= dy * push;
      }
    }
    for (const e of graph.edges) {
      if (e.from === e.to) continue;
      const dx = e.to.x - e.from.x;
      const dy = e.to.y - e.from.y;
      const pull = Math.sqrt(dx * dx + dy * dy) / k;
      e.from.vx += dx * pull; e.from.vy += dy * pull;
      e.to.vx -= dx * pull; e.to.vy -= dy * pull;
    }
    for (const v of graph.nodes) {
      const length = Math.sqrt(v.vx * v.vx + v.vy * v.vy) || 1;
      const move = Math.min(length, heat) / length;
      v.x = Math.min(WIDTH - 120, Math.max(20, v.x + v.vx * move));
      v.y = Math.min(HEIGHT - 15, Math.max(15, v.y + v.vy * move));
    }
  }
  return graph;
}

function short(text, length = 28) {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

export function drawGraph(graph, hrefOf) {
  const svg = node("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "qe-graph", role: "img",
    "aria-label": `graph of ${graph.nodes.length} resources and ${graph.edges.length} links` });
  const defs = node("defs");
  const marker = node("marker", { id: "qe-arrow", viewBox: "0 0 10 10", refX: 18, refY: 5,
    markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
  marker.append(node("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "qe-arrowhead" }));
  defs.append(marker);
  svg.append(defs);
  for (const e of graph.edges) {
    svg.append(node("line", { x1: e.from.x, y1: e.from.y, x2: e.to.x, y2: e.to.y, class: "qe-edge",
      "marker-end": "url(#qe-arrow)" }));
    svg.append(node("text", { x: (e.from.x + e.to.x) / 2, y: (e.from.y + e.to.y) / 2 - 3,
      class: "qe-edge-label", "text-anchor": "middle" }, short(e.label, 20)));
  }
  for (const v of graph.nodes) {
    const href = v.term.type === "uri" ? hrefOf(v.term.value) : null;
    const group = href ? node("a", { href }) : node("g");
    group.append(node("circle", { cx: v.x, cy: v.y, r: 8, class: `qe-node qe-node-${v.term.type}` }));
    group.append(node("text", { x: v.x + 11, y: v.y + 4, class: "qe-node-label" }, short(v.label)));
    group.append(node("title", {}, [v.term.value, ...v.literals].join("\n")));
    svg.append(group);
  }
  return svg;
}
