import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { waitFor } from '../support/wait-for.ts';
import { LAPTOP, signIn, startWebWorld } from './web-world.ts';

forEachDialect('web app: settings', (dialect) => {
  test('an admin creates an agent (the API’s field error shown next to the field first), edits role and capacity, deletes a user; a team and its members; a token shown once then revoked; an event webhook tested, its delivery log and a replay; a label; a canned reply used with / in the composer', async (t) => {
    // The webhook receiver below listens on loopback.
    const ww = await startWebWorld(t, dialect, { config: { eventWebhooks: { allowPrivate: true } } });
    if (!ww) return;
    const { w } = ww;
    const page = await ww.page(LAPTOP);
    await signIn(page, ww.url, ww.admin);
    await page.getByRole('link', { name: 'Settings' }).click();

    // Users: a bad email is refused by the API; its message shows under the email field.
    const form = page.getByTestId('user-form');
    await form.locator('input[name=email]').fill('not-an-email');
    await form.locator('input[name=name]').fill('Nora Agent');
    await form.locator('input[name=password]').fill('a long passphrase 2');
    await form.getByRole('button', { name: 'Create' }).click();
    await form.locator('.mantine-InputWrapper-error').filter({ hasText: 'email address' }).waitFor();
    await form.locator('input[name=email]').fill('nora@example.com');
    await form.getByRole('button', { name: 'Create' }).click();
    await page.getByTestId('user-row').filter({ hasText: 'nora@example.com' }).waitFor();
    const nora = (await w.api('GET', '/api/v1/users')).body.data.find((u: any) => u.email === 'nora@example.com');
    assert.equal(nora.role, 'agent');
    // The new agent can sign in.
    const agentPage = await ww.page(LAPTOP);
    await signIn(agentPage, ww.url, { email: 'nora@example.com', password: 'a long passphrase 2' });

    // Tokens: the password is checked by the API (cookie sessions re-type it); the token shows once and works; revoke ends it.
    await page.getByRole('link', { name: 'API tokens' }).click();
    const tf = page.getByTestId('token-form');
    await tf.locator('input[name=name]').fill('CRM sync');
    await tf.locator('.mantine-MultiSelect-input').click();
    await page.getByRole('option', { name: 'conversations:read' }).click();
    await tf.locator('input[name=name]').click();
    await tf.locator('input[name=password]').fill('wrong password');
    await tf.getByRole('button', { name: 'Create' }).click();
    await tf
      .locator('.mantine-InputWrapper-error')
      .filter({ hasText: /password/i })
      .waitFor();
    await tf.locator('input[name=password]').fill(ww.admin.password);
    await tf.getByRole('button', { name: 'Create' }).click();
    const token = ((await page.getByTestId('new-token').locator('pre').textContent()) ?? '').trim();
    assert.match(token, /\S{20,}/);
    const use = () => fetch(`${ww.url}/api/v1/conversations`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    assert.equal(await use(), 200);
    await page.getByTestId('token-row').filter({ hasText: 'CRM sync' }).getByRole('button', { name: 'Revoke' }).click();
    await waitFor(async () => (await use()) === 401, 3000, 'token revoked');

    // Users: role and capacity edited in the table (the API's refusal under the capacity field); delete after the confirm.
    await page.getByRole('link', { name: 'Users' }).click();
    const noraRow = page.getByTestId('user-row').filter({ hasText: 'nora@example.com' });
    await noraRow.getByLabel('Role: Nora Agent').click();
    await page.getByRole('option', { name: 'Administrator' }).click();
    await waitFor(async () => (await w.api('GET', `/api/v1/users/${nora.id}`)).body.role === 'admin', 3000, 'role changed');
    const capacity = noraRow.getByTestId('capacity-input');
    await capacity.fill('-5');
    await capacity.press('Enter');
    await noraRow.locator('.mantine-InputWrapper-error').filter({ hasText: 'capacity' }).waitFor();
    await capacity.fill('3');
    await capacity.press('Enter');
    await waitFor(async () => (await w.api('GET', `/api/v1/users/${nora.id}`)).body.capacity === 3, 3000, 'capacity saved');
    const temp = await ww.user({ email: 'temp@example.com', name: 'Temp Agent', role: 'agent' });
    await page.reload();
    page.once('dialog', (d) => void d.accept());
    await page.getByTestId('user-row').filter({ hasText: 'temp@example.com' }).getByRole('button', { name: 'Delete' }).click();
    await waitFor(async () => (await w.api('GET', `/api/v1/users/${temp.id}`)).status === 404, 3000, 'user deleted');

    // Teams: created here, Nora made a member.
    await page.getByRole('link', { name: 'Teams' }).click();
    await page.getByTestId('team-form').locator('input[name=name]').fill('Ventas');
    await page.getByTestId('team-form').getByRole('button', { name: 'Create' }).click();
    const teamCard = page.getByTestId('team-card').filter({ hasText: 'Ventas' });
    await teamCard.getByLabel('Members').click();
    await page.getByRole('option', { name: 'Nora Agent' }).click();
    await waitFor(
      async () =>
        (await w.api('GET', '/api/v1/teams')).body.data.find((x: any) => x.name === 'Ventas')?.member_ids?.includes(nora.id) === true,
      3000,
      'member added',
    );

    // Event webhooks: created (the secret shown once), a test delivered to a real receiver, its delivery log, a replay delivered again.
    const received: string[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(String(req.headers['switchboard-event-type'] ?? ''));
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
    await page.getByRole('link', { name: 'Event webhooks' }).click();
    const wf = page.getByTestId('webhook-form');
    await wf.locator('input[name=url]').fill('not a url');
    await wf.locator('.mantine-MultiSelect-input').click();
    await page.getByRole('option', { name: '*', exact: true }).click();
    await wf.locator('input[name=url]').click();
    await wf.getByRole('button', { name: 'Create' }).click();
    await wf.locator('.mantine-InputWrapper-error').first().waitFor();
    await wf.locator('input[name=url]').fill(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`);
    await wf.getByRole('button', { name: 'Create' }).click();
    await page.getByText('Signing secret (shown once):').waitFor();
    const hook = page.getByTestId('webhook-row').filter({ hasText: '/hooks' });
    await hook.getByRole('button', { name: 'Send a test' }).click();
    await waitFor(async () => received.length === 1, 5000, 'test delivered');
    await hook.getByRole('button', { name: 'Deliveries' }).click();
    const delivery = hook.getByTestId('delivery-row').first();
    await delivery.filter({ hasText: /delivered|succeeded|ok/i }).waitFor({ timeout: 8000 });
    await delivery.getByRole('button', { name: 'Replay' }).click();
    await waitFor(async () => received.length === 2, 5000, 'replay delivered');
    assert.equal(received[1], received[0], 'the replay is the same event');

    // Labels: made here, listed.
    await page.getByRole('link', { name: 'Labels' }).click();
    await page.getByTestId('label-form').locator('input[name=name]').fill('vip');
    await page.getByTestId('label-form').getByRole('button', { name: 'Create' }).click();
    await page.getByTestId('label-row').filter({ hasText: 'vip' }).waitFor();
    assert.ok((await w.api('GET', '/api/v1/labels')).body.data.some((l: any) => l.name === 'vip'));

    // Canned replies: made here, used in the composer with "/" (variables filled by the API).
    await page.getByRole('link', { name: 'Canned replies' }).click();
    const cf = page.getByTestId('canned-form');
    await cf.locator('input[name=shortcut]').fill('hola');
    await cf.locator('textarea[name=text]').fill('Hola {{contact.name}}, ¿en qué le ayudo?');
    await cf.getByRole('button', { name: 'Create' }).click();
    await page.getByText('/hola').waitFor();
    const customer = w.sim.customer('5215512340004', 'Pablo Mar');
    await customer.sendText('buenas');
    await page.getByRole('link', { name: 'Inbox' }).click();
    await page.getByTestId('conversation-row').filter({ hasText: 'Pablo Mar' }).click();
    await page.getByTestId('composer-text').fill('/ho');
    await page.getByTestId('canned-list').getByRole('option').first().click();
    await waitFor(
      async () => (await page.getByTestId('composer-text').inputValue()) === 'Hola Pablo Mar, ¿en qué le ayudo?',
      3000,
      'canned reply rendered',
    );
    await page.getByTestId('composer-send').click();
    await customer.waitForMessage((m) => m.text === 'Hola Pablo Mar, ¿en qué le ayudo?', 5000);
    assert.deepEqual(ww.pageErrors, []);
  });
});
