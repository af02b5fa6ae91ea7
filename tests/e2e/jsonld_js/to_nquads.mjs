// Reads a JSON-LD document from a URL (its remote @context fetched from the same server) and
// prints its RDF as N-Quads: what jsonld.js, not rdflib, understands the document to say.
import jsonld from "jsonld";

const url = process.argv[2];
const response = await fetch(url, { headers: { Accept: "application/ld+json" } });
if (!response.ok) {
  console.error(`GET ${url}: ${response.status}`);
  process.exit(2);
}
const document = await response.json();
const nquads = await jsonld.toRDF(document, { base: url, format: "application/n-quads" });
process.stdout.write(nquads);
