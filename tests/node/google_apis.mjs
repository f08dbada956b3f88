// Drives the official Node client for Google APIs (`googleapis`, unmodified, pinned in
// package.json) against a dtu world, for tests/twins/google/test_googleapis_node.py.
//
//   GOOGLE_API_URL=http://127.0.0.1:PORT GOOGLE_TOKEN=... node google_apis.mjs
//
// Drive v3, Docs v1 and Sheets v4 are built with `rootUrl` pointing at dtu and an OAuth2 client
// holding the world's token as its access token, as googleapis documents for custom endpoints.
// A media upload takes `rootUrl` in the call's own options too: googleapis builds the upload URL
// from the per-call options only (the service-level rootUrl rewrites the metadata URL, not it).
// It runs a fixed story (files, media upload and download, permissions, comments and replies,
// revisions, changes, shared drives, Docs get/batchUpdate, Sheets values and developer metadata)
// and prints one JSON line: {"ok": true, "results": {...}}. An unexpected failure prints
// {"ok": false, "step", "error"} and exits 1.

import { google } from "googleapis";
import { Readable } from "node:stream";

const root = process.env.GOOGLE_API_URL;
const token = process.env.GOOGLE_TOKEN;
if (!root || !token) {
  process.stderr.write("google_apis: GOOGLE_API_URL and GOOGLE_TOKEN are required\n");
  process.exit(2);
}
const auth = new google.auth.OAuth2();
auth.setCredentials({ access_token: token });
const rootUrl = root.endsWith("/") ? root : root + "/";
const drive = google.drive({ version: "v3", auth, rootUrl });
const docs = google.docs({ version: "v1", auth, rootUrl });
const sheets = google.sheets({ version: "v4", auth, rootUrl });

const results = {};
let step = "";

async function expectError(name, fn) {
  try {
    await fn();
    results[name] = { status: 200 };
  } catch (e) {
    results[name] = { status: e.code ?? e.status ?? null, message: e.message,
                      reason: e.errors?.[0]?.reason ?? e.response?.data?.error?.status ?? null };
  }
}

async function main() {
  const FILE = process.env.DTU_FILE, DOC = process.env.DTU_DOC, SHEET = process.env.DTU_SHEET;

  step = "changes.getStartPageToken";
  const start = (await drive.changes.getStartPageToken({})).data.startPageToken;

  step = "files.list";
  const listed = await drive.files.list({ q: "trashed = false", pageSize: 2, fields: "nextPageToken, files(id, name)" });
  results.listFirstPage = listed.data.files.length;
  results.listHasNext = Boolean(listed.data.nextPageToken);

  step = "files.create (multipart upload)";
  const created = await drive.files.create({
    requestBody: { name: "report.txt", description: "from node" },
    media: { mimeType: "text/plain", body: Readable.from(["first version"]) },
    fields: "id, name, size, mimeType",
  }, { rootUrl });
  results.created = created.data;
  const id = created.data.id;

  step = "files.get";
  results.got = (await drive.files.get({ fileId: id, fields: "id, name, description, owners(emailAddress)" })).data;

  step = "files.update (media)";
  await drive.files.update({ fileId: id, requestBody: { name: "report-v2.txt" },
                             media: { mimeType: "text/plain", body: "second version" } }, { rootUrl });

  step = "files.get alt=media";
  const media = await drive.files.get({ fileId: id, alt: "media" }, { responseType: "text" });
  results.downloaded = media.data;

  step = "revisions";
  const revs = (await drive.revisions.list({ fileId: id, fields: "revisions(id, size)" })).data.revisions;
  results.revisions = revs.map((r) => r.id);
  const old = await drive.revisions.get({ fileId: id, revisionId: revs[0].id, alt: "media" }, { responseType: "text" });
  results.firstRevision = old.data;
  results.kept = (await drive.revisions.update({ fileId: id, revisionId: revs[0].id,
                                                 requestBody: { keepForever: true }, fields: "keepForever" })).data;
  await drive.revisions.delete({ fileId: id, revisionId: revs[0].id });

  step = "permissions";
  const perm = await drive.permissions.create({ fileId: id, requestBody: { type: "user", role: "writer",
                                                                           emailAddress: "bob@acme.test" } });
  results.permissions = (await drive.permissions.list({ fileId: id, fields: "permissions(emailAddress, role)" }))
    .data.permissions;
  await drive.permissions.update({ fileId: id, permissionId: perm.data.id, requestBody: { role: "commenter" } });

  step = "comments and replies";
  const comment = await drive.comments.create({ fileId: FILE, requestBody: { content: "Please check" }, fields: "id" });
  await drive.comments.update({ fileId: FILE, commentId: comment.data.id, requestBody: { content: "Please check §2" },
                                fields: "id" });
  const reply = await drive.replies.create({ fileId: FILE, commentId: comment.data.id,
                                             requestBody: { content: "Done", action: "resolve" }, fields: "id" });
  results.replies = (await drive.replies.list({ fileId: FILE, commentId: comment.data.id,
                                                fields: "replies(content, action)" })).data.replies;
  await drive.replies.update({ fileId: FILE, commentId: comment.data.id, replyId: reply.data.id,
                               requestBody: { content: "Done, thanks" }, fields: "id" });
  results.reply = (await drive.replies.get({ fileId: FILE, commentId: comment.data.id, replyId: reply.data.id,
                                             fields: "content" })).data;

  step = "shared drives";
  const sd = await drive.drives.create({ requestId: "node-1", requestBody: { name: "Node Team" } });
  await drive.files.create({ requestBody: { name: "in-drive.txt", parents: [sd.data.id] }, supportsAllDrives: true });
  await drive.drives.update({ driveId: sd.data.id, requestBody: { name: "Node Team 2" } });
  await drive.drives.hide({ driveId: sd.data.id });
  await drive.drives.unhide({ driveId: sd.data.id });
  results.drives = (await drive.drives.list({ fields: "drives(name, hidden)" })).data.drives;
  results.driveGet = (await drive.drives.get({ driveId: sd.data.id, fields: "name" })).data;
  await expectError("driveDeleteNonEmpty", () => drive.drives.delete({ driveId: sd.data.id }));

  step = "docs";
  const doc = await docs.documents.get({ documentId: DOC });
  results.docTitle = doc.data.title;
  const bu = await docs.documents.batchUpdate({ documentId: DOC, requestBody: { requests: [
    { insertText: { location: { index: 1 }, text: "Hello from node. " } }] } });
  results.docReplies = bu.data.replies.length;

  step = "sheets values";
  results.values = (await sheets.spreadsheets.values.get({ spreadsheetId: SHEET, range: "Sheet1!A1:B3" })).data.values;
  await sheets.spreadsheets.values.update({ spreadsheetId: SHEET, range: "Sheet1!C1", valueInputOption: "USER_ENTERED",
                                            requestBody: { values: [["Total"], ["=B2*2"]] } });
  const meta = await sheets.spreadsheets.batchUpdate({ spreadsheetId: SHEET, requestBody: { requests: [
    { createDeveloperMetadata: { developerMetadata: { metadataKey: "row", metadataValue: "laptop",
      visibility: "DOCUMENT", location: { dimensionRange: { sheetId: 0, dimension: "ROWS", startIndex: 1, endIndex: 2 } } } } },
    { updateSheetProperties: { properties: { sheetId: 0, gridProperties: { frozenRowCount: 1 } },
                               fields: "gridProperties.frozenRowCount" } }] } });
  const mid = meta.data.replies[0].createDeveloperMetadata.developerMetadata.metadataId;
  results.metadata = (await sheets.spreadsheets.developerMetadata.get({ spreadsheetId: SHEET, metadataId: mid }))
    .data.metadataValue;
  results.searched = (await sheets.spreadsheets.developerMetadata.search({ spreadsheetId: SHEET, requestBody: {
    dataFilters: [{ developerMetadataLookup: { metadataKey: "row" } }] } })).data.matchedDeveloperMetadata.length;
  results.byFilter = (await sheets.spreadsheets.values.batchGetByDataFilter({ spreadsheetId: SHEET, requestBody: {
    dataFilters: [{ developerMetadataLookup: { metadataId: mid } }] } })).data.valueRanges[0].valueRange.values;

  step = "changes.list";
  const changed = [];
  let pageToken = start;
  let newStart = null;
  while (pageToken) {
    const page = (await drive.changes.list({ pageToken, pageSize: 3, fields: "nextPageToken, newStartPageToken, changes(fileId)" })).data;
    changed.push(...page.changes.map((c) => c.fileId));
    pageToken = page.nextPageToken;
    newStart = page.newStartPageToken ?? newStart;
  }
  results.changedFiles = [...new Set(changed)];
  results.newStartPageToken = newStart;

  step = "errors";
  await expectError("missingFile", () => drive.files.get({ fileId: "1NoSuchFile0000000000000000000000" }));
  await expectError("badRange", () => sheets.spreadsheets.values.get({ spreadsheetId: SHEET, range: "Nope!A1" }));
  await expectError("missingReply", () => drive.replies.get({ fileId: FILE, commentId: comment.data.id,
                                                              replyId: "nosuch", fields: "id" }));

  step = "files.delete";
  await drive.files.delete({ fileId: id });
  process.stdout.write(JSON.stringify({ ok: true, results }) + "\n");
}

main().catch((e) => {
  const out = { ok: false, step, error: String(e?.message ?? e), status: e?.code ?? null };
  process.stderr.write(JSON.stringify(out) + "\n");
  process.stdout.write(JSON.stringify(out) + "\n");
  process.exit(1);
});
