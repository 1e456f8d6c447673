// Usage: node validate.mjs SCHEMA.graphql DOCUMENT.graphql...
// Validates each document against the schema with graphql-js (the reference implementation) and prints
// every error as "FILE: message (line:column)". Exit 0 when all are valid, 1 otherwise.
import { readFileSync } from "node:fs";
import { buildSchema, parse, validate } from "graphql";

const [schemaPath, ...documents] = process.argv.slice(2);
if (!schemaPath || documents.length === 0) {
  console.error("usage: node validate.mjs SCHEMA.graphql DOCUMENT.graphql...");
  process.exit(2);
}
const schema = buildSchema(readFileSync(schemaPath, "utf8"), { assumeValidSDL: true });
let failures = 0;
for (const file of documents) {
  let errors;
  try {
    errors = validate(schema, parse(readFileSync(file, "utf8")));
  } catch (e) {
    errors = [e];
  }
  for (const e of errors) {
    const where = e.locations ? ` (${e.locations.map((l) => `${l.line}:${l.column}`).join(", ")})` : "";
    console.log(`${file}: ${e.message}${where}`);
    failures++;
  }
}
console.log(`${documents.length} documents, ${failures} errors`);
process.exit(failures === 0 ? 0 : 1);
