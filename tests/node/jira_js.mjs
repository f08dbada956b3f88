// jira.js (createCloudClient + createAgileClient), unmodified, against a dtu world's Jira twin.
// Env: JIRA_URL, JIRA_TOKEN. Prints one JSON line: what the calls answered, plus every response
// jira.js's own schemas found drifting ({endpoint, issues}).
import { createClient } from 'jira.js/core';
import { createAgileClient, createCloudClient } from 'jira.js';

const mismatches = [];
const client = createClient({
  host: process.env.JIRA_URL,
  auth: { type: 'basic', email: 'dana@acme.test', apiToken: process.env.JIRA_TOKEN },
  onSchemaMismatch: (report) => mismatches.push(report),
});
const jira = createCloudClient(client);
const agile = createAgileClient(client);
const doc = (text) => ({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });
const out = {};

async function status(fn) {
  try { await fn(); return 200; } catch (e) { return e?.status ?? e?.response?.status ?? e?.statusCode ?? String(e); }
}

out.server = (await jira.serverInfo.getServerInfo()).deploymentType;
out.me = (await jira.myself.getCurrentUser()).accountId;
out.project = (await jira.projects.getProject({ projectIdOrKey: 'PROJ' })).key;
const made = await jira.issues.createIssue({ fields: { project: { key: 'PROJ' }, issuetype: { name: 'Bug' },
  summary: 'From jira.js', description: doc('Made in Node') } });
out.created = made.key;
const got = await jira.issues.getIssue({ issueIdOrKey: made.key });
out.status = got.fields.status.name;
out.transitions = (await jira.issues.getTransitions({ issueIdOrKey: made.key })).transitions.map((t) => t.name);
await jira.issues.doTransition({ issueIdOrKey: made.key, transition: { id: '21' } });
await jira.issueComments.addComment({ issueIdOrKey: made.key, body: doc('On it') });
out.comments = (await jira.issueComments.getComments({ issueIdOrKey: made.key })).total;
const found = await jira.issueSearch.searchAndReconsileIssuesUsingJql({ jql: 'project = PROJ AND type = Bug', fields: ['summary'] });
out.search = found.issues.map((i) => i.key).sort();
out.count = (await jira.issueSearch.countIssues({ jql: 'project = PROJ' })).count;
await jira.issueLinks.linkIssues({ type: { name: 'Blocks' }, inwardIssue: { key: made.key }, outwardIssue: { key: 'PROJ-1' } });
out.missing = await status(() => jira.issues.getIssue({ issueIdOrKey: 'PROJ-999' }));

// versions, components, filters, remote links, votes, changelog, editmeta, bulk create, project creation
const version = await jira.projectVersions.createVersion({ projectId: 10000, name: '2.0', releaseDate: '2024-06-01' });
out.versions = (await jira.projectVersions.getProjectVersions({ projectIdOrKey: 'PROJ' })).map((v) => v.name);
const component = await jira.projectComponents.createComponent({ project: 'PROJ', name: 'Backend' });
await jira.issues.editIssue({ issueIdOrKey: made.key, fields: { fixVersions: [{ id: version.id }], components: [{ id: component.id }] } });
const filter = await jira.filters.createFilter({ name: 'Node bugs', jql: 'project = PROJ AND type = Bug' });
out.myFilters = (await jira.filters.getMyFilters()).map((f) => f.name);
out.filter = (await jira.filters.getFilter({ id: Number(filter.id) })).jql;
await jira.issueRemoteLinks.createOrUpdateRemoteIssueLink({ issueIdOrKey: made.key,
  object: { url: 'https://git.example/pr/9', title: 'PR #9' } });
out.remoteLinks = (await jira.issueRemoteLinks.getRemoteIssueLinks({ issueIdOrKey: made.key })).length;
out.votes = (await jira.issueVotes.getVotes({ issueIdOrKey: 'PROJ-8' })).votes;
out.voteOwn = await status(() => jira.issueVotes.addVote({ issueIdOrKey: made.key }));
out.changelog = (await jira.issues.getChangeLogs({ issueIdOrKey: made.key })).total;
out.editmeta = Object.keys((await jira.issues.getEditIssueMeta({ issueIdOrKey: made.key })).fields).includes('fixVersions');
const bulk = await jira.issues.createIssues({ issueUpdates: [
  { fields: { project: { key: 'PROJ' }, issuetype: { name: 'Task' }, summary: 'Bulk 1' } },
  { fields: { project: { key: 'PROJ' }, issuetype: { name: 'Task' }, summary: 'Bulk 2' } }] });
out.bulk = bulk.issues.map((i) => i.key);
const project = await jira.projects.createProject({ key: 'NODE', name: 'Node project', projectTypeKey: 'software',
  leadAccountId: out.me });
out.newProject = project.key;

// agile
const boards = await agile.board.getAllBoards({ projectKeyOrId: 'PROJ' });
out.boards = boards.values.map((b) => b.name);
const boardId = boards.values[0].id;
const sprint = await agile.sprint.createSprint({ name: 'Node sprint', originBoardId: boardId, goal: 'Ship' });
await agile.sprint.moveIssuesToSprintAndRank({ sprintId: sprint.id, issues: [made.key, 'PROJ-1'] });
// jira.js 6 lists a sprint's and a backlog's issues through /rest/software/1.0 (not served yet): JQL instead
const inSprint = async () => (await jira.issueSearch.searchAndReconsileIssuesUsingJql({ jql: `sprint = ${sprint.id}` }))
  .issues.map((i) => i.key).sort();
out.sprintIssues = await inSprint();
await agile.backlog.moveIssuesToBacklog({ issues: ['PROJ-1'] });
out.afterBacklog = await inSprint();
const [running] = (await agile.board.getAllSprints({ boardId, state: 'active' })).values;
await agile.sprint.partiallyUpdateSprint({ sprintId: running.id, state: 'closed' });
await agile.sprint.partiallyUpdateSprint({ sprintId: sprint.id, state: 'active', startDate: '2024-03-01T12:00:00.000+0000',
  endDate: '2024-03-15T12:00:00.000+0000' });
out.sprintState = (await agile.sprint.getSprint({ sprintId: sprint.id })).state;
out.sprints = (await agile.board.getAllSprints({ boardId })).values.map((s) => s.name);
out.missingSprint = await status(() => agile.sprint.getSprint({ sprintId: 999 }));

out.mismatches = mismatches;
console.log(JSON.stringify(out));
