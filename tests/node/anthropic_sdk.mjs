// Drives @anthropic-ai/sdk, unmodified, against the Anthropic twin of `dtu serve`: messages
// (plain, tools, streaming), models, a message batch (processing, JSONL results, delete) and the
// Files API (upload, list, metadata, download, delete). Prints one JSON line with what it saw;
// tests/twins/anthropic/test_anthropic_node.py asserts on it.
// Env: ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY (a world token).
import Anthropic, { toFile } from "@anthropic-ai/sdk";

const client = new Anthropic({
  apiKey: process.env.ANTHROPIC_API_KEY,
  baseURL: process.env.ANTHROPIC_BASE_URL,
  maxRetries: 0,
});
const USER = { role: "user", content: "Open #atlas and say hi." };
const TOOL = {
  name: "slack__chat_postMessage",
  description: "post",
  input_schema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
};
const out = {};

async function status(fn) {
  try {
    await fn();
    return null;
  } catch (e) {
    return { status: e.status ?? null, type: e.error?.error?.type ?? null, name: e.constructor.name };
  }
}

const plain = await client.messages.create({ model: "claude-sonnet-4-6", max_tokens: 64, messages: [USER] });
out.plain = { stop: plain.stop_reason, types: plain.content.map((b) => b.type), id: plain.id };
const tools = await client.messages.create({
  model: "dtu-twin", max_tokens: 64, messages: [USER], tools: [TOOL], tool_choice: { type: "any" },
});
out.tools = { stop: tools.stop_reason, name: tools.content[0].name, input: tools.content[0].input };
const stream = client.messages.stream({
  model: "dtu-twin", max_tokens: 64, messages: [USER], tools: [TOOL], tool_choice: { type: "any" },
});
const kinds = [];
for await (const ev of stream) kinds.push(ev.type);
const final = await stream.finalMessage();
out.stream = { first: kinds[0], last: kinds[kinds.length - 1], stop: final.stop_reason, input: final.content[0].input };
out.unknownModel = await status(() =>
  client.messages.create({ model: "gpt-4o", max_tokens: 8, messages: [USER] }));
const models = [];
for await (const m of client.models.list({ limit: 3 })) models.push(m.id);
out.models = models;
out.model = await client.models.retrieve("claude-sonnet-4-6");

const batch = await client.messages.batches.create({
  requests: [
    { custom_id: "a", params: { model: "dtu-twin", max_tokens: 32, messages: [USER] } },
    { custom_id: "b", params: { model: "nope", max_tokens: 32, messages: [USER] } },
  ],
});
out.batchCreated = { status: batch.processing_status, processing: batch.request_counts.processing };
let ended = batch;
let polls = 0;
while (ended.processing_status !== "ended" && polls < 10) {  // poll, as a client of the real API does
  ended = await client.messages.batches.retrieve(batch.id);
  polls += 1;
}
out.batchEnded = { status: ended.processing_status, counts: ended.request_counts, polls };
const results = [];
for await (const r of await client.messages.batches.results(batch.id)) results.push([r.custom_id, r.result.type]);
out.batchResults = results;
const listed = [];
for await (const b of client.messages.batches.list({ limit: 1 })) listed.push(b.id);
out.batchListed = listed.includes(batch.id);
out.batchDeleted = (await client.messages.batches.delete(batch.id)).type;
out.batchGone = await status(() => client.messages.batches.retrieve(batch.id));

const up = await client.files.upload({ file: await toFile(Buffer.from("hello from node"), "node.txt", { type: "text/plain" }) });
out.file = { type: up.type, filename: up.filename, mime: up.mime_type, size: up.size_bytes, downloadable: up.downloadable };
const files = [];
for await (const f of client.files.list({ limit: 1 })) files.push(f.id);
out.files = files;
out.fileMeta = (await client.files.retrieveMetadata(up.id)).filename;
const seeded = files.find((id) => id !== up.id);
out.download = await (await client.files.download(seeded)).text();
out.downloadUploaded = await status(() => client.files.download(up.id));
out.fileDeleted = (await client.files.delete(up.id)).type;
out.fileGone = await status(() => client.files.retrieveMetadata(up.id));

console.log(JSON.stringify(out));
