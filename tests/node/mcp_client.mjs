// Drives the official TypeScript MCP client (@modelcontextprotocol/sdk, unmodified) against a
// Streamable HTTP MCP server, for tests/runner/test_mcp_node.py.
//
//   node mcp_client.mjs URL TOKEN STEPS
//
// or, for any argument left off, the env vars DTU_MCP_URL, DTU_MCP_TOKEN, DTU_MCP_STEPS.
// URL is the MCP endpoint (e.g. http://127.0.0.1:8000/mcp); TOKEN goes out as
// `Authorization: Bearer TOKEN` (an empty token sends no header); STEPS is a JSON list of
// {"tool": name, "arguments": {...}}.
//
// It connects, lists the tools, calls each step in order and prints one JSON line on stdout:
//   {"ok": true, "server": {...}, "protocolVersion": "...", "tools": [names],
//    "calls": [{"tool", "isError", "structuredContent", "text"}]}
// On failure it prints one JSON line {"ok": false, "stage", "status", "error"} on stdout (status:
// the HTTP status when the transport saw one, else null), says the same on stderr, and exits 1.
// Bad arguments exit 2.

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

function usage(why) {
  process.stderr.write(`mcp_client: ${why}\nusage: node mcp_client.mjs URL TOKEN STEPS_JSON ` +
    "(or DTU_MCP_URL, DTU_MCP_TOKEN, DTU_MCP_STEPS)\n");
  process.exit(2);
}

const [argUrl, argToken, argSteps] = process.argv.slice(2);
const url = argUrl ?? process.env.DTU_MCP_URL;
const token = argToken ?? process.env.DTU_MCP_TOKEN ?? "";
const stepsText = argSteps ?? process.env.DTU_MCP_STEPS ?? "[]";
if (!url) usage("no server URL");
let steps;
try {
  steps = JSON.parse(stepsText);
} catch (e) {
  usage(`STEPS is not JSON: ${e.message}`);
}
if (!Array.isArray(steps) || !steps.every((s) => s && typeof s.tool === "string")) {
  usage('STEPS must be a JSON list of {"tool": name, "arguments": {...}}');
}

function fail(stage, err) {
  const status = err instanceof StreamableHTTPError && err.code > 0 ? err.code : null;
  const message = err?.message ?? String(err);
  process.stdout.write(JSON.stringify({ ok: false, stage, status, error: message }) + "\n");
  process.stderr.write(`mcp_client: ${stage} failed${status ? ` (HTTP ${status})` : ""}: ${message}\n`);
  process.exit(1);
}

const headers = token ? { Authorization: `Bearer ${token}` } : {};
const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
const client = new Client({ name: "dtu-node-test", version: "0.0.0" });

let stage = "connect";
try {
  await client.connect(transport);
  stage = "tools/list";
  const tools = [];
  let cursor;
  do {
    const page = await client.listTools(cursor ? { cursor } : {});
    tools.push(...page.tools.map((t) => t.name));
    cursor = page.nextCursor;
  } while (cursor);
  const calls = [];
  for (const step of steps) {
    stage = `tools/call ${step.tool}`;
    const res = await client.callTool({ name: step.tool, arguments: step.arguments ?? {} });
    calls.push({
      tool: step.tool,
      isError: res.isError ?? false,
      structuredContent: res.structuredContent ?? null,
      text: (res.content ?? []).filter((c) => c.type === "text").map((c) => c.text).join(""),
    });
  }
  stage = "close";
  const server = client.getServerVersion() ?? null;
  const protocolVersion = transport.protocolVersion ?? null;
  await client.close();
  process.stdout.write(JSON.stringify({ ok: true, server, protocolVersion, tools, calls }) + "\n");
} catch (err) {
  fail(stage, err);
}
