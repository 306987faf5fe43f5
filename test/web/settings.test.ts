import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { waitFor } from '../support/wait-for.ts';
import { LAPTOP, signIn, startWebWorld } from './web-world.ts';

forEachDialect('web app: settings', (dialect) => {
  test('an admin creates an agent (the API’s field error shown next to the field first), a token shown once then revoked, and a canned reply used with / in the composer', async (t) => {
    const ww = await startWebWorld(t, dialect);
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
    await tf.locator('.mantine-InputWrapper-error').filter({ hasText: /password/i }).waitFor();
    await tf.locator('input[name=password]').fill(ww.admin.password);
    await tf.getByRole('button', { name: 'Create' }).click();
    const token = ((await page.getByTestId('new-token').locator('pre').textContent()) ?? '').trim();
    assert.match(token, /\S{20,}/);
    const use = () => fetch(`${ww.url}/api/v1/conversations`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    assert.equal(await use(), 200);
    await page.getByTestId('token-row').filter({ hasText: 'CRM sync' }).getByRole('button', { name: 'Revoke' }).click();
    await waitFor(async () => (await use()) === 401, 3000, 'token revoked');

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
    await waitFor(async () => (await page.getByTestId('composer-text').inputValue()) === 'Hola Pablo Mar, ¿en qué le ayudo?', 3000, 'canned reply rendered');
    await page.getByTestId('composer-send').click();
    await customer.waitForMessage((m) => m.text === 'Hola Pablo Mar, ¿en qué le ayudo?', 5000);
    assert.deepEqual(ww.pageErrors, []);
  });
});
