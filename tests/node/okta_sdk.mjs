// Drives @okta/okta-sdk-nodejs (unmodified) against a world of `dtu serve`: the common operations
// and the ones added for issue 16. Reads OKTA_URL and OKTA_TOKEN; prints one JSON line of results.
import okta from '@okta/okta-sdk-nodejs';

const client = new okta.Client({ orgUrl: process.env.OKTA_URL, token: process.env.OKTA_TOKEN });
const BOB = '00ubob00000000000001';
const SALES = '00gsales000000000001';
const out = {};

async function all(collection) {
  const items = [];
  for await (const x of collection) items.push(x);
  return items;
}

async function error(promise) {
  try {
    await promise;
    return null;
  } catch (e) {
    return { status: e.status, errorCode: e.errorCode };
  }
}

// users: list with paging (limit 1 follows the Link headers), create, get, lifecycle
out.logins = (await all(await client.userApi.listUsers({ limit: 1 }))).map((u) => u.profile.login);
const erin = await client.userApi.createUser({
  body: {
    profile: { firstName: 'Erin', lastName: 'New', email: 'erin@acme.test', login: 'erin@acme.test' },
    credentials: { password: { value: 'Tr0ub4dor&3x' } },
  },
});
out.created = { status: erin.status, idLength: erin.id.length };
out.got = (await client.userApi.getUser({ userId: 'erin@acme.test' })).id === erin.id;
await client.userApi.suspendUser({ userId: erin.id });
await client.userApi.unsuspendUser({ userId: erin.id });
out.missingUser = await error(client.userApi.getUser({ userId: '00unope0000000000000' }));

// groups and apps
out.groups = (await all(await client.groupApi.listGroups())).map((g) => g.profile.name).sort();
await client.groupApi.assignUserToGroup({ groupId: SALES, userId: erin.id });
out.salesMembers = (await all(await client.groupApi.listGroupUsers({ groupId: SALES }))).map((u) => u.id);
const app = await client.applicationApi.createApplication({
  application: { name: 'bookmark', label: 'Docs', signOnMode: 'BOOKMARK',
    settings: { app: { url: 'https://docs.acme.test', requestIntegration: false } } },
});
out.app = { label: app.label, status: app.status, signOnMode: app.signOnMode };
out.apps = (await all(await client.applicationApi.listApplications())).map((a) => a.label).sort();

// factors
out.catalog = (await all(await client.userFactorApi.listSupportedFactors({ userId: BOB }))).map((f) => f.factorType);
const sms = await client.userFactorApi.enrollFactor({
  userId: BOB, body: { factorType: 'sms', provider: 'OKTA', profile: { phoneNumber: '+15554151337' } },
});
out.enrolled = sms.status;
const active = await client.userFactorApi.activateFactor({ userId: BOB, factorId: sms.id, body: { passCode: '123456' } });
out.activated = active.status;
out.factors = (await all(await client.userFactorApi.listFactors({ userId: BOB }))).map((f) => f.status);
await client.userFactorApi.unenrollFactor({ userId: BOB, factorId: sms.id });
out.factorGone = await error(client.userFactorApi.getFactor({ userId: BOB, factorId: sms.id }));

// group rules
const rule = await client.groupApi.createGroupRule({
  groupRule: {
    type: 'group_rule', name: 'Engineers to Sales',
    conditions: { expression: { value: 'user.department=="Engineering"', type: 'urn:okta:expression:1.0' } },
    actions: { assignUserToGroups: { groupIds: [SALES] } },
  },
});
out.ruleStatus = rule.status;
await client.groupApi.activateGroupRule({ ruleId: rule.id });
out.rules = (await all(await client.groupApi.listGroupRules())).map((r) => r.status);
out.salesAfterRule = (await all(await client.groupApi.listGroupUsers({ groupId: SALES }))).map((u) => u.id);

// user types, roles, change password
const ut = await client.userTypeApi.createUserType({ userType: { name: 'contractor', displayName: 'Contractor' } });
out.userTypes = (await all(await client.userTypeApi.listUserTypes())).map((t) => t.name);
await client.userTypeApi.deleteUserType({ typeId: ut.id });
const role = await client.roleAssignmentApi.assignRoleToUser({ userId: BOB, assignRoleRequest: { type: 'HELP_DESK_ADMIN' } });
out.roles = (await all(await client.roleAssignmentApi.listAssignedRolesForUser({ userId: BOB }))).map((r) => r.type);
await client.roleAssignmentApi.unassignRoleFromUser({ userId: BOB, roleId: role.id });
const creds = await client.userApi.changePassword({
  userId: erin.id, changePasswordRequest: { oldPassword: { value: 'Tr0ub4dor&3x' }, newPassword: { value: 'N3w-passw0rd!' } },
});
out.changed = creds.provider.type;
out.badOld = await error(client.userApi.changePassword({
  userId: erin.id, changePasswordRequest: { oldPassword: { value: 'wrong-pass' }, newPassword: { value: 'An0ther-pass!' } },
}));

// the System Log, paged 2 at a time
const events = await all(await client.systemLogApi.listLogEvents({ filter: `target.id eq "${erin.id}"`, limit: 2 }));
out.events = events.map((e) => e.eventType);
out.badSince = await error(client.systemLogApi.listLogEvents({ since: 'yesterday' }).then((c) => all(c)));

console.log(JSON.stringify(out));
