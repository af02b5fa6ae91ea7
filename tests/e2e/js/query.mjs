// Runs one SPARQL query with Comunica against one SPARQL endpoint and prints what it got as JSON
// (bindings as {variable: term value}, quads as [s, p, o], a boolean as is), for
// tests/e2e/test_real_clients.py. Usage: node query.mjs ENDPOINT QUERY
import { QueryEngine } from '@comunica/query-sparql';

const [endpoint, query] = process.argv.slice(2);
const engine = new QueryEngine();
const context = { sources: [{ type: 'sparql', value: endpoint }], lenient: false };
const result = await engine.query(query, context);
let out;
if (result.resultType === 'bindings') {
  const rows = await (await result.execute()).toArray();
  out = rows.map((b) => Object.fromEntries([...b].map(([k, v]) => [k.value, v.value])));
} else if (result.resultType === 'quads') {
  const quads = await (await result.execute()).toArray();
  out = quads.map((q) => [q.subject.value, q.predicate.value, q.object.value]);
} else {
  out = await result.execute();
}
process.stdout.write(JSON.stringify(out));
