// Drives @slack/web-api (unmodified) against a dtu world: SLACK_API_URL and SLACK_TOKEN from the
// environment. Prints one JSON line: what each call answered.
import { WebClient } from "@slack/web-api";

const client = new WebClient(process.env.SLACK_TOKEN, { slackApiUrl: process.env.SLACK_API_URL });
const out = {};
const general = process.env.SLACK_GENERAL;
out.auth = await client.auth.test();
out.users = (await client.users.list({ limit: 2 })).members.map((m) => m.id);
out.posted = await client.chat.postMessage({ channel: general, text: "hello from node" });
out.history = (await client.conversations.history({ channel: general, limit: 1 })).messages[0].text;
await client.reactions.add({ channel: general, timestamp: out.posted.ts, name: "eyes" });
out.upload = await client.files.uploadV2({ channel_id: general, content: "node bytes", filename: "node.txt", title: "Node" });
const fileId = out.upload.files[0].files[0].id;
out.fileInfo = (await client.files.info({ file: fileId })).file;
out.profile = (await client.users.profile.get()).profile.real_name;
out.team = (await client.team.info()).team.id;
const group = (await client.usergroups.create({ name: "Node group", handle: "node-group" })).usergroup;
await client.usergroups.users.update({ usergroup: group.id, users: process.env.SLACK_BOB });
out.groupUsers = (await client.usergroups.users.list({ usergroup: group.id })).users;
const bm = (await client.bookmarks.add({ channel_id: general, title: "Docs", type: "link", link: "https://acme.test/docs" })).bookmark;
out.bookmarks = (await client.bookmarks.list({ channel_id: general })).bookmarks.map((b) => b.id === bm.id);
const rem = (await client.reminders.add({ text: "stand up", time: "in 5 minutes" })).reminder;
out.reminder = (await client.reminders.info({ reminder: rem.id })).reminder.text;
const postAt = Math.floor(Number(out.posted.ts)) + 3600;
const sched = await client.chat.scheduleMessage({ channel: general, text: "later", post_at: postAt });
out.scheduled = (await client.chat.scheduledMessages.list({ channel: general })).scheduled_messages.map((m) => m.id === sched.scheduled_message_id);
try {
  await client.chat.postMessage({ channel: "C0NOPE", text: "x" });
  out.error = null;
} catch (e) {
  out.error = e.data.error;
}
console.log(JSON.stringify(out));
