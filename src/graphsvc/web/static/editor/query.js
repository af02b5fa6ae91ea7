// The query editor: enhances the plain query form of /query and /sparql (which keep working
// without JavaScript) with CodeMirror, completion from this server, errors marked where they are,
// the named queries as examples, and results as a table, a chart or a graph.
//
// Everything it loads or asks for is on this server (see the Content-Security-Policy of the
// page): the vendored CodeMirror bundle, these modules, and JSON from /query/* and /queries.
import {
  EditorState, EditorView, Prec, StreamLanguage, autocompletion, bracketMatching, closeBrackets,
  closeBracketsKeymap, completionKeymap, defaultHighlightStyle, defaultKeymap, drawSelection,
  highlightActiveLine, highlightActiveLineGutter, highlightSpecialChars, history, historyKeymap,
  indentOnInput, keymap, lineNumbers, lintGutter, lintKeymap, setDiagnostics, sparql,
  syntaxHighlighting,
} from "../vendor/codemirror.min.js";
import { sparqlCompletion } from "./complete.js";
import { chooseChart, drawChart } from "./chart.js";
import { buildGraph, drawGraph, layout } from "./graph.js";
import {
  ROWS_SHOWN, fetchLabels, fromSparqlJson, iris, parseNTriples, table,
} from "./results.js";

const ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9";
const root = document.getElementById("sparql-editor");
const pageMode = root.dataset.mode === "page"; // /query keeps the query in its URL; /sparql not

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === true) node.setAttribute(k, "");
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

async function getJson(url) {
  try {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

// Until /query/vocabulary.json has come (it also lists the endpoint's formats, from the server's
// own table), the download links use these, which are the same.
const EMPTY_VOCABULARY = {
  prefixes: {}, classes: [], properties: [],
  formats: {
    solutions: [["json", "SPARQL JSON"], ["xml", "SPARQL XML"], ["csv", "CSV"], ["tsv", "TSV"]]
      .map(([name, label]) => ({ name, label })),
    graph: [["ttl", "Turtle"], ["nt", "N-Triples"], ["jsonld", "JSON-LD"], ["rdf", "RDF/XML"]]
      .map(([name, label]) => ({ name, label })),
  },
};

async function start() {
  const url = new URLSearchParams(window.location.search);
  // The vocabulary is computed on first use and may take a while on a large graph: the editor
  // does not wait for it, and completes from it once it has come.
  const vocab = { ...EMPTY_VOCABULARY };
  getJson("/query/vocabulary.json").then((v) => { if (v) Object.assign(vocab, v); });
  const catalogue = await getJson("/queries?format=json");
  const examples = (catalogue && catalogue.queries) || [];
  const fallbackText = document.getElementById("query")?.value || "";
  const state = {
    example: examples.find((q) => q.name === url.get("name")) || null,
    labels: {},
  };
  const given = {};
  for (const [k, v] of url) if (!["name", "query", "format"].includes(k)) given[k] = v;
  const initial = pageMode && url.get("query") ? url.get("query")
    : state.example ? state.example.sparql : fallbackText;

  // --- the controls -------------------------------------------------------------------------
  const select = el("select", { id: "qe-examples" },
    el("option", { value: "" }, examples.length ? "Choose a named query…" : "No named queries"),
    ...examples.map((q) => el("option", { value: q.name }, q.title)));
  const runButton = el("button", { type: "button", class: "qe-run" }, "Run query");
  const hint = el("span", { class: "muted" }, navigator.platform.startsWith("Mac") ? "⌘+Enter runs it" : "Ctrl+Enter runs it");
  const paramsForm = el("form", { class: "qe-params", hidden: true });
  const editorBox = el("div", { class: "qe-editor" });
  const errorBox = el("div", { class: "qe-error", role: "alert", hidden: true });
  const results = el("section", { class: "qe-results", "aria-live": "polite", hidden: true });
  root.append(
    el("div", { class: "qe-toolbar" }, el("label", { for: "qe-examples" }, "Examples "), select),
    paramsForm, editorBox,
    el("p", { class: "qe-actions" }, runButton, " ", hint),
    errorBox, results,
  );

  // The page's heading names the named query being shown, as the server's page does.
  const heading = document.querySelector("main h1");
  function retitle(example) {
    if (!pageMode || !heading) return;
    heading.textContent = example ? example.title : "Query the graph";
    document.title = `${example ? example.title : "Query"} · graphsvc`;
  }

  function showParams(example, values = {}) {
    retitle(example);
    paramsForm.replaceChildren();
    paramsForm.hidden = !(example && example.params.length);
    if (!example) return;
    if (example.description) paramsForm.append(el("p", {}, example.description));
    for (const p of example.params) {
      const type = { integer: "number", decimal: "number", date: "date" }[p.type] || "text";
      paramsForm.append(el("p", {},
        el("label", { for: `qe-param-${p.name}` }, `${p.name} (${p.type})${p.description ? `: ${p.description}` : ""}`),
        el("br"),
        el("input", { id: `qe-param-${p.name}`, name: p.name, type, size: 60,
          step: p.type === "decimal" ? "any" : undefined, value: values[p.name] ?? p.default ?? "" })));
    }
  }
  paramsForm.addEventListener("submit", (event) => { event.preventDefault(); run(); });

  // --- the editor ---------------------------------------------------------------------------
  let settingText = false;
  const view = new EditorView({
    parent: editorBox,
    state: EditorState.create({
      doc: initial,
      extensions: [
        lineNumbers(), highlightActiveLineGutter(), highlightSpecialChars(), history(),
        drawSelection(), indentOnInput(), bracketMatching(), closeBrackets(), highlightActiveLine(),
        StreamLanguage.define(sparql), syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        autocompletion({ override: [sparqlCompletion(vocab)] }),
        lintGutter(), EditorView.lineWrapping,
        // Above the default keymap, whose Mod-Enter would insert a line.
        Prec.highest(keymap.of([{ key: "Mod-Enter", run: () => { run(); return true; } }])),
        keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap, ...lintKeymap]),
        EditorView.contentAttributes.of({ "aria-label": "SPARQL query" }),
        EditorView.updateListener.of((update) => {
          if (!update.docChanged || settingText) return;
          view.dispatch(setDiagnostics(update.state, []));
          delete root.dataset.errorLine;
          // An edited named query is a query of one's own: its parameters no longer apply.
          if (state.example && update.state.doc.toString() !== state.example.sparql) {
            state.example = null;
            select.value = "";
            showParams(null);
          }
        }),
      ],
    }),
  });
  root.editor = view; // for people (and tests) at the console

  function setText(text) {
    settingText = true;
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    settingText = false;
  }

  select.addEventListener("change", () => {
    state.example = examples.find((q) => q.name === select.value) || null;
    if (state.example) setText(state.example.sparql);
    showParams(state.example);
  });
  if (state.example) {
    select.value = state.example.name;
    showParams(state.example, given);
  }
  runButton.addEventListener("click", () => run());
  // Ctrl/Cmd+Enter runs from the parameter fields too; in the editor its keymap has done it.
  root.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.defaultPrevented) {
      event.preventDefault();
      run();
    }
  });

  // The plain form is the page without JavaScript; from here on, this replaces it.
  for (const fallback of document.querySelectorAll(".qe-fallback")) fallback.hidden = true;
  root.hidden = false;

  // --- running ------------------------------------------------------------------------------
  function paramValues() {
    const values = {};
    for (const input of paramsForm.querySelectorAll("input")) if (input.value) values[input.name] = input.value;
    return values;
  }

  function request(text) {
    // A named query as it stands runs by name, so the server binds its parameters as typed
    // values (never pasted into the text); edited, it is a query like any other.
    if (state.example && state.example.sparql === text) {
      const values = paramValues();
      const path = `/queries/${encodeURIComponent(state.example.name)}`;
      return {
        href: `/query?${new URLSearchParams({ name: state.example.name, ...values })}`,
        fetch: [`${path}?${new URLSearchParams(values)}`, { headers: { Accept: ACCEPT } }],
        download: (f) => `${path}?${new URLSearchParams({ ...values, format: f })}`,
      };
    }
    return {
      href: `/query?${new URLSearchParams({ query: text })}`,
      fetch: ["/sparql", {
        method: "POST",
        headers: { Accept: ACCEPT, "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ query: text }),
      }],
      download: (f) => `/sparql?${new URLSearchParams({ query: text, format: f })}`,
    };
  }

  function showError(error, text) {
    results.hidden = true;
    errorBox.hidden = false;
    const where = error.line ? `Line ${error.line}${error.column ? `, column ${error.column}` : ""}: ` : "";
    // The engine's message starts with the position that is now given in words.
    const message = error.message.replace(/^error at \d+:\d+:\s*/, "");
    errorBox.replaceChildren(el("h2", {}, "Error"), el("p", {}, where + message));
    if (!error.line) return;
    const doc = view.state.doc;
    const line = doc.line(Math.min(Math.max(error.line, 1), doc.lines));
    // The engine's column points just past what it could not read.
    let from = line.from + Math.min(Math.max((error.column || 1) - 2, 0), line.length);
    let to = Math.min(from + 1, line.to);
    if (from === to && from > line.from) from -= 1;
    if (from === to) to = line.to;
    root.dataset.errorLine = String(line.number);
    view.dispatch(setDiagnostics(view.state, [{ from, to, severity: "error", message: error.message }]));
    view.dispatch({ effects: EditorView.scrollIntoView(from, { y: "center" }) });
    if (text !== view.state.doc.toString()) view.dispatch(setDiagnostics(view.state, []));
  }

  async function run() {
    const text = view.state.doc.toString();
    if (!text.trim()) return;
    const req = request(text);
    if (pageMode) window.history.replaceState(null, "", req.href);
    document.getElementById("server-results")?.remove();
    errorBox.hidden = true;
    root.dataset.state = "running";
    runButton.disabled = true;
    const started = performance.now();
    try {
      const response = await fetch(...req.fetch);
      const type = response.headers.get("content-type") || "";
      if (!response.ok) {
        const error = type.includes("json") ? (await response.json()).error
          : { message: (await response.text()).trim() };
        showError(error, text);
        root.dataset.state = "error";
        return;
      }
      const body = await response.text();
      const elapsed = performance.now() - started;
      await present(type, body, elapsed, response.headers.get("x-result-truncated") === "true", req, text);
      root.dataset.state = "done";
    } catch (error) {
      showError({ message: `the query could not be sent: ${error.message}` }, text);
      root.dataset.state = "error";
    } finally {
      runButton.disabled = false;
    }
  }

  async function present(mediaType, body, elapsed, truncated, req, text) {
    const result = mediaType.includes("n-triples") ? parseNTriples(body) : fromSparqlJson(JSON.parse(body));
    result.truncated ||= truncated;
    state.labels = await fetchLabels(iris(result));
    render(result, elapsed, req, text);
  }

  // --- results ------------------------------------------------------------------------------
  function compact(iri) {
    const namespaces = Object.entries(vocab.prefixes).sort((a, b) => b[1].length - a[1].length);
    const found = namespaces.find(([, ns]) => iri.startsWith(ns) && iri.length > ns.length);
    return found ? `${found[0]}:${iri.slice(found[1].length)}` : iri;
  }
  function labelOf(term) {
    if (term.type === "uri") return state.labels[term.value]?.label || compact(term.value);
    return term.type === "bnode" ? `_:${term.value}` : term.value;
  }
  function hrefOf(iri) {
    return state.labels[iri]?.href || null;
  }

  function render(result, elapsed, req, text) {
    const ms = `${Math.round(elapsed).toLocaleString("en")} ms`;
    const views = [];
    let summary;
    if (result.kind === "boolean") {
      summary = el("p", { class: "qe-status" }, "The answer is ",
        el("strong", {}, result.boolean ? "yes" : "no"), ` (${result.boolean}), in ${ms}.`);
    } else {
      const n = result.rows.length;
      const what = result.kind === "graph" ? (n === 1 ? "triple" : "triples") : (n === 1 ? "row" : "rows");
      let note = "";
      if (result.truncated) note += ", cut at the server's row limit";
      if (n > ROWS_SHOWN) note += `; the first ${ROWS_SHOWN} are shown, download them all below`;
      summary = el("p", { class: "qe-status" }, `${n.toLocaleString("en")} ${what} in ${ms}${note}.`);
      views.push(["Table", () => table(result, state.labels)]);
      const chart = chooseChart(result, labelOf);
      if (chart) {
        views.push(["Chart", () => el("figure", { class: "qe-figure" }, drawChart(chart),
          el("figcaption", {}, `${chart.type === "bar" ? "Bar" : "Line"} chart of ${chart.y} by ${chart.x}` +
            (chart.cut ? ` (the first ${chart.bars.length} rows)` : "")))]);
      }
      if (result.kind === "graph") {
        views.push(["Graph", () => {
          const graph = layout(buildGraph(result.rows, labelOf));
          return el("figure", { class: "qe-figure" }, drawGraph(graph, hrefOf),
            el("figcaption", {}, `${graph.nodes.length} resources, ${graph.edges.length} links` +
              (graph.cut ? " (cut: too many resources to draw)" : "") + "; literal values are in each resource's tooltip."));
        }]);
      }
    }
    const panel = el("div", { class: "qe-view" });
    const tabs = el("div", { class: "qe-tabs", role: "tablist", "aria-label": "Result views" });
    const buttons = views.map(([name, draw], i) => {
      const button = el("button", { type: "button", role: "tab", "data-view": name.toLowerCase(),
        "aria-selected": i === 0 ? "true" : "false" }, name);
      button.addEventListener("click", () => {
        for (const b of buttons) b.setAttribute("aria-selected", String(b === button));
        panel.replaceChildren(draw());
        root.dataset.view = name.toLowerCase();
      });
      return button;
    });
    tabs.append(...buttons);
    const formats = result.kind === "graph" ? vocab.formats.graph : vocab.formats.solutions;
    const downloads = el("ul", { class: "qe-downloads" },
      ...formats.map((f) => el("li", {}, el("a", { href: req.download(f.name), download: "" }, f.label))));
    const parts = [el("h2", {}, "Results"), summary];
    if (views.length > 1) parts.push(tabs);
    parts.push(panel, el("h3", {}, "Download"), downloads);
    if (!pageMode) parts.push(el("p", {}, el("a", { href: req.href }, "Open this query on the query page")));
    results.replaceChildren(...parts);
    results.hidden = false;
    if (views.length) {
      panel.replaceChildren(views[0][1]());
      root.dataset.view = views[0][0].toLowerCase();
    }
  }

  // A link with a query (or a named query) in it shows its results, as the page without
  // JavaScript does: the server has run it for this very page, so its answer is taken from the
  // page when it is there (run again only when it was too large to include, or failed).
  if (pageMode && (url.get("query") || state.example)) {
    const embedded = document.getElementById("server-results-data");
    if (embedded) {
      const answer = JSON.parse(embedded.textContent);
      const text = view.state.doc.toString();
      document.getElementById("server-results")?.remove();
      await present(answer.mediaType, answer.body, answer.seconds * 1000, answer.truncated, request(text), text);
      root.dataset.state = "done";
    } else {
      run();
    }
  }
}

start();
