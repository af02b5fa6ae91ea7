// Completion for the query editor, from this server only (/query/vocabulary.json and
// /query/resources.json): never prefix.cc or any other service, so the page works air-gapped.

const KEYWORDS = [
  "SELECT", "DISTINCT", "WHERE", "FILTER", "OPTIONAL", "UNION", "MINUS", "GRAPH", "BIND",
  "VALUES", "ORDER BY", "GROUP BY", "HAVING", "LIMIT", "OFFSET", "CONSTRUCT", "DESCRIBE", "ASK",
  "PREFIX", "COUNT", "SAMPLE", "GROUP_CONCAT", "STR", "LANG", "LANGMATCHES", "REGEX", "CONTAINS",
  "STRSTARTS", "LCASE", "UCASE", "YEAR", "isIRI", "isLiteral", "NOT EXISTS", "EXISTS", "AS",
];

// The prefixes a query declares: a term's prefix missing from them gets its PREFIX line added.
export function declaredPrefixes(text) {
  const found = new Map();
  const pattern = /^\s*PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>/gim;
  for (const m of text.matchAll(pattern)) found.set(m[1] || "", m[2]);
  return found;
}

// The insertion of a term, with the PREFIX line its prefixed name needs when the query has none:
// people pick a term by its label and should not have to know its namespace.
function insertTerm(vocabulary, name) {
  return (view, completion, from, to) => {
    const changes = [{ from, to, insert: name }];
    const colon = name.indexOf(":");
    if (!name.startsWith("<") && colon >= 0) {
      const prefix = name.slice(0, colon);
      const namespace = vocabulary.prefixes[prefix];
      if (namespace && !declaredPrefixes(view.state.doc.toString()).has(prefix)) {
        changes.push({ from: 0, insert: `PREFIX ${prefix}: <${namespace}>\n` });
      }
    }
    view.dispatch({
      changes,
      selection: { anchor: from + name.length + (changes.length > 1 ? changes[1].insert.length : 0) },
      userEvent: "input.complete",
    });
  };
}

function termOption(vocabulary, term, boost) {
  const name = term.prefixed || `<${term.iri}>`;
  return {
    label: name,
    detail: term.label ? `${term.label} · ${term.kind}` : term.kind,
    type: term.kind === "class" ? "class" : term.kind === "property" ? "property" : "variable",
    apply: insertTerm(vocabulary, name),
    boost,
  };
}

function fold(text) {
  return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

// `vocabulary` may still be filling in when the editor starts: the term lists are read from it
// on each completion (a few hundred terms; folding them is cheap) rather than kept.
export function sparqlCompletion(vocabulary) {
  let pending = null;

  async function resourcesLike(text) {
    // One request at a time: a slower, older answer must not replace a newer one.
    if (pending) pending.abort();
    pending = new AbortController();
    try {
      const response = await fetch(`/query/resources.json?q=${encodeURIComponent(text)}&limit=20`,
        { signal: pending.signal, headers: { Accept: "application/json" } });
      return response.ok ? (await response.json()).resources : [];
    } catch {
      return [];
    }
  }

  return async (context) => {
    const terms = [...vocabulary.classes, ...vocabulary.properties];
    const line = context.state.doc.lineAt(context.pos);
    const before = line.text.slice(0, context.pos - line.from);

    // PREFIX lines: the namespaces the data use, under the names this server gives them.
    const prefixLine = before.match(/^\s*PREFIX\s+([A-Za-z][\w.-]*:?)?$/i);
    if (prefixLine) {
      const typed = prefixLine[1] || "";
      return {
        from: context.pos - typed.length,
        options: Object.entries(vocabulary.prefixes).map(([p, ns]) => ({
          label: `${p}:`, detail: ns, type: "namespace", apply: `${p}: <${ns}>`,
        })),
      };
    }

    // A prefixed name being typed: the ontology's classes and properties in that namespace.
    const prefixed = context.matchBefore(/[A-Za-z][\w.-]*:[\w.-]*/);
    if (prefixed && !/[?$<"']$/.test(before.slice(0, prefixed.from - line.from))) {
      const prefix = prefixed.text.slice(0, prefixed.text.indexOf(":"));
      const namespace = declaredPrefixes(context.state.doc.toString()).get(prefix)
        || vocabulary.prefixes[prefix];
      if (!namespace) return null;
      const options = terms.filter((t) => t.iri.startsWith(namespace))
        .map((t) => termOption(vocabulary, { ...t, prefixed: t.prefixed
          || (/^[\w-]+$/.test(t.iri.slice(namespace.length)) ? `${prefix}:${t.iri.slice(namespace.length)}` : null) }, 0));
      return { from: prefixed.from, options, validFor: /^[A-Za-z][\w.-]*:[\w.-]*$/ };
    }

    // A plain word: keywords, and terms and resources whose label starts like it.
    const word = context.matchBefore(/[\p{L}\p{N}_][\p{L}\p{N}_-]*/u);
    if (!word || (word.text.length < 2 && !context.explicit)) return null;
    const charBefore = before.slice(word.from - line.from - 1, word.from - line.from);
    if (/[?$:<"'@^]/.test(charBefore)) return null;
    // Matched against the start of any word of a label: "kor" finds "North Korea".
    const wanted = fold(word.text);
    const options = [];
    for (const t of terms) {
      const label = t.label ? fold(t.label) : "";
      if (label && (label.startsWith(wanted) || label.includes(` ${wanted}`))) {
        options.push({ ...termOption(vocabulary, t, label.startsWith(wanted) ? 2 : 1),
          label: t.label, detail: t.prefixed || t.iri });
      }
    }
    for (const t of await resourcesLike(word.text)) {
      options.push({ ...termOption(vocabulary, t, 0), label: t.label, detail: t.prefixed || t.iri });
    }
    for (const k of KEYWORDS) {
      if (k.toLowerCase().startsWith(wanted)) options.push({ label: k, type: "keyword", boost: -1 });
    }
    if (!options.length) return null;
    return { from: word.from, options, filter: false };
  };
}
