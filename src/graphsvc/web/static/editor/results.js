// Results as the editor shows them: parsed into one shape (columns and rows of terms, as in
// SPARQL JSON) whether they came as SPARQL JSON or as N-Triples, then drawn as a sortable table.

export const ROWS_SHOWN = 1000;
const XSD = "http://www.w3.org/2001/XMLSchema#";
const RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString";
export const NUMERIC = new Set(["integer", "decimal", "double", "float", "int", "long", "short",
  "byte", "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
  "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte"].map((t) => XSD + t));
export const TEMPORAL = new Set(["date", "dateTime", "dateTimeStamp", "gYear", "gYearMonth"]
  .map((t) => XSD + t));

export function isNumber(term) {
  return term && term.type !== "uri" && NUMERIC.has(term.datatype) && Number.isFinite(Number(term.value));
}

export function isDate(term) {
  return term && term.type !== "uri" && TEMPORAL.has(term.datatype) && !Number.isNaN(dateValue(term));
}

export function dateValue(term) {
  const v = term.value;
  // gYear and gYearMonth are not ISO dates to Date.parse.
  if (/^-?\d{4}$/.test(v)) return Date.UTC(Number(v), 0, 1);
  if (/^-?\d{4}-\d{2}$/.test(v)) return Date.UTC(Number(v.slice(0, -3)), Number(v.slice(-2)) - 1, 1);
  return Date.parse(v.replace(/(Z|[+-]\d{2}:\d{2})$/, "") + (v.length <= 10 ? "T00:00:00Z" : "Z"));
}

export function fromSparqlJson(data) {
  if (typeof data.boolean === "boolean") return { kind: "boolean", boolean: data.boolean };
  const columns = data.head.vars || [];
  const rows = data.results.bindings.map((b) => columns.map((c) => b[c] || null));
  return { kind: "solutions", columns, rows, truncated: Boolean(data.truncated) };
}

// N-Triples, as the endpoint writes it: one triple a line, no comments or prefixes.
const NT_TERM = /\s*(<[^>]*>|_:\S+|"(?:[^"\\]|\\.)*"(?:@[A-Za-z0-9-]+|\^\^<[^>]*>)?)/y;

function ntUnescape(text) {
  return text.replace(/\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))/g, (_, u, U, c) =>
    u || U ? String.fromCodePoint(parseInt(u || U, 16))
      : ({ t: "\t", n: "\n", r: "\r", b: "\b", f: "\f" })[c] ?? c);
}

function ntTerm(token) {
  if (token.startsWith("<")) return { type: "uri", value: ntUnescape(token.slice(1, -1)) };
  if (token.startsWith("_:")) return { type: "bnode", value: token.slice(2) };
  const end = token.lastIndexOf('"');
  const term = { type: "literal", value: ntUnescape(token.slice(1, end)) };
  const rest = token.slice(end + 1);
  if (rest.startsWith("@")) term["xml:lang"] = rest.slice(1);
  else if (rest.startsWith("^^")) term.datatype = rest.slice(3, -1);
  return term;
}

export function parseNTriples(text) {
  const rows = [];
  for (const line of text.split("\n")) {
    if (!line.trim() || line.trim().startsWith("#")) continue;
    const row = [];
    NT_TERM.lastIndex = 0;
    for (let i = 0; i < 3; i += 1) {
      const m = NT_TERM.exec(line);
      if (!m) break;
      row.push(ntTerm(m[1]));
    }
    if (row.length === 3) rows.push(row);
  }
  return { kind: "graph", columns: ["subject", "predicate", "object"], rows, truncated: false };
}

export function iris(result) {
  const found = new Set();
  for (const row of result.rows || []) {
    for (const cell of row) if (cell && cell.type === "uri") found.add(cell.value);
  }
  return [...found];
}

// Labels and Linked Data links, from the server, as the server-rendered table has them.
export async function fetchLabels(list) {
  if (!list.length) return {};
  try {
    const response = await fetch("/query/labels", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(list.slice(0, 2000)),
    });
    return response.ok ? await response.json() : {};
  } catch {
    return {};
  }
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== undefined && v !== null) node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

export function cell(term, labels) {
  if (!term) return "";
  if (term.type === "uri") {
    const known = labels[term.value] || {};
    const text = known.label || term.value;
    return known.href ? el("a", { href: known.href, title: term.value }, text)
      : el("span", { title: term.value }, text);
  }
  if (term.type === "bnode") return el("span", { class: "muted" }, `_:${term.value}`);
  const span = el("span", {}, term.value);
  if (term["xml:lang"]) span.append(" ", el("span", { class: "datatype" }, `@${term["xml:lang"]}`));
  else if (term.datatype && term.datatype !== XSD + "string" && term.datatype !== RDF_LANG_STRING) {
    const short = term.datatype.startsWith(XSD) ? `xsd:${term.datatype.slice(XSD.length)}` : term.datatype;
    span.append(" ", el("span", { class: "datatype" }, short));
  }
  return span;
}

function sortKey(term, labels) {
  if (!term) return [2, ""];
  if (isNumber(term)) return [0, Number(term.value)];
  if (isDate(term)) return [0, dateValue(term)];
  const text = term.type === "uri" ? (labels[term.value] || {}).label || term.value : term.value;
  return [1, text.toLowerCase()];
}

export function compareTerms(a, b, labels) {
  const [ka, va] = sortKey(a, labels);
  const [kb, vb] = sortKey(b, labels);
  if (ka !== kb) return ka - kb;
  return va < vb ? -1 : va > vb ? 1 : 0;
}

// A table whose headers sort it (numbers as numbers, dates as dates, IRIs by label), keeping
// the order of equal rows so that a second click on another column refines the first.
export function table(result, labels) {
  const order = { column: -1, descending: false };
  const rows = result.rows.slice(0, ROWS_SHOWN);
  const body = el("tbody");
  const headers = result.columns.map((name, index) => {
    const button = el("button", { type: "button", class: "qe-sort" }, name);
    const th = el("th", { scope: "col", "aria-sort": "none" }, button);
    button.addEventListener("click", () => {
      order.descending = order.column === index ? !order.descending : false;
      order.column = index;
      rows.sort((a, b) => compareTerms(a[index], b[index], labels) * (order.descending ? -1 : 1));
      for (const h of headers) h.setAttribute("aria-sort", "none");
      th.setAttribute("aria-sort", order.descending ? "descending" : "ascending");
      fill();
    });
    return th;
  });
  function fill() {
    body.replaceChildren(...rows.map((row) => el("tr", {}, ...row.map((t) => el("td", {}, cell(t, labels))))));
  }
  fill();
  return el("div", { class: "scroll" },
    el("table", { class: "qe-table" }, el("thead", {}, el("tr", {}, ...headers)), body));
}
