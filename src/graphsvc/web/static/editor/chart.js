// Charts of solutions, drawn as SVG here rather than by a charting library: the page must work
// air-gapped, and one bar or line chart chosen from the column types is all it needs.
import { dateValue, isDate, isNumber } from "./results.js";

const SVG = "http://www.w3.org/2000/svg";
const MAX_BARS = 60;
const WIDTH = 860;
const HEIGHT = 360;
const MARGIN = { top: 16, right: 20, bottom: 90, left: 70 };

function columnKind(rows, index) {
  const bound = rows.map((r) => r[index]).filter(Boolean);
  if (!bound.length) return "empty";
  if (bound.every(isNumber)) return "number";
  if (bound.every(isDate)) return "date";
  return "other";
}

// Which chart suits the results, or null: a date column and a number give a line over time; a
// date alone, a line of how many rows each date has; a number and another column, bars.
export function chooseChart(result, labelOf) {
  // One value is no chart: the table says it better.
  if (result.kind !== "solutions" || result.rows.length < 2) return null;
  const kinds = result.columns.map((_, i) => columnKind(result.rows, i));
  const date = kinds.indexOf("date");
  const number = kinds.indexOf("number");
  if (date >= 0) {
    const points = new Map();
    for (const row of result.rows) {
      if (!row[date]) continue;
      const x = dateValue(row[date]);
      if (number >= 0) {
        if (row[number]) points.set(x, (points.get(x) || 0) + Number(row[number].value));
      } else {
        points.set(x, (points.get(x) || 0) + 1);
      }
    }
    return {
      type: "line",
      x: `?${result.columns[date]}`,
      y: number >= 0 ? `?${result.columns[number]}` : "rows",
      points: [...points].sort((a, b) => a[0] - b[0]).map(([x, y]) => ({ x, y })),
    };
  }
  if (number < 0) return null;
  const category = kinds.findIndex((k, i) => i !== number && k !== "empty");
  const bars = result.rows.filter((r) => r[number]).slice(0, MAX_BARS).map((row, i) => ({
    label: category >= 0 && row[category] ? labelOf(row[category]) : String(i + 1),
    y: Number(row[number].value),
  }));
  return {
    type: "bar",
    x: category >= 0 ? `?${result.columns[category]}` : "row",
    y: `?${result.columns[number]}`,
    bars,
    cut: result.rows.length > MAX_BARS,
  };
}

function node(tag, attrs = {}, text) {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  if (text !== undefined) n.textContent = text;
  return n;
}

// Round tick values: 1, 2 or 5 times a power of ten.
export function ticks(low, high, count = 5) {
  if (low === high) return [low];
  const raw = (high - low) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(low / step) * step; v <= high + step / 1e6; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function yAxis(svg, scale, low, high) {
  for (const t of ticks(low, high)) {
    const y = scale(t);
    svg.append(node("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y, y2: y, class: "qe-grid" }));
    svg.append(node("text", { x: MARGIN.left - 6, y: y + 4, "text-anchor": "end" }, t.toLocaleString("en")));
  }
}

function short(text, length = 18) {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

export function drawChart(spec) {
  const svg = node("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: `qe-chart qe-chart-${spec.type}`, role: "img",
    "aria-label": `${spec.type} chart of ${spec.y} by ${spec.x}`,
  });
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const values = spec.type === "bar" ? spec.bars.map((b) => b.y) : spec.points.map((p) => p.y);
  const low = Math.min(0, ...values);
  const top = Math.max(0, ...values) || 1;
  // Up to the first round tick at or above the highest value, so the top has a label.
  const grid = ticks(low, top);
  const high = grid[grid.length - 1] >= top ? grid[grid.length - 1] : top + (grid[1] - grid[0] || 0);
  const y = (v) => MARGIN.top + plotH - ((v - low) / (high - low)) * plotH;
  yAxis(svg, y, low, high);
  if (spec.type === "bar") {
    const slot = plotW / spec.bars.length;
    spec.bars.forEach((bar, i) => {
      const x = MARGIN.left + i * slot;
      const rect = node("rect", {
        x: x + slot * 0.1, width: Math.max(1, slot * 0.8), y: Math.min(y(bar.y), y(0)),
        height: Math.abs(y(bar.y) - y(0)), class: "qe-bar",
      });
      rect.append(node("title", {}, `${bar.label}: ${bar.y.toLocaleString("en")}`));
      svg.append(rect);
      const cx = x + slot / 2;
      const by = HEIGHT - MARGIN.bottom + 12;
      svg.append(node("text", { x: cx, y: by, transform: `rotate(40 ${cx} ${by})` }, short(bar.label)));
    });
  } else {
    const xs = spec.points.map((p) => p.x);
    const x0 = Math.min(...xs);
    const x1 = Math.max(...xs);
    const x = (v) => MARGIN.left + (x1 === x0 ? plotW / 2 : ((v - x0) / (x1 - x0)) * plotW);
    svg.append(node("polyline", {
      class: "qe-line", points: spec.points.map((p) => `${x(p.x)},${y(p.y)}`).join(" "),
    }));
    for (const p of spec.points) {
      const dot = node("circle", { cx: x(p.x), cy: y(p.y), r: 3.5, class: "qe-dot" });
      dot.append(node("title", {}, `${new Date(p.x).toISOString().slice(0, 10)}: ${p.y.toLocaleString("en")}`));
      svg.append(dot);
    }
    // Evenly spaced dates along the axis, not the data's own, which may bunch up.
    const count = x1 === x0 ? 1 : 6;
    for (let i = 0; i < count; i += 1) {
      const at = count === 1 ? x0 : x0 + ((x1 - x0) * i) / (count - 1);
      const anchor = count === 1 ? "middle" : i === 0 ? "start" : i === count - 1 ? "end" : "middle";
      svg.append(node("text", { x: x(at), y: HEIGHT - MARGIN.bottom + 16, "text-anchor": anchor },
        new Date(at).toISOString().slice(0, 10)));
    }
  }
  svg.append(node("text", { x: MARGIN.left + plotW / 2, y: HEIGHT - 6, "text-anchor": "middle", class: "qe-axis" }, spec.x));
  svg.append(node("text", { x: 14, y: MARGIN.top + plotH / 2, transform: `rotate(-90 14 ${MARGIN.top + plotH / 2})`, "text-anchor": "middle", class: "qe-axis" }, spec.y));
  return svg;
}
