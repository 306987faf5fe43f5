import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_AI_SETTINGS } from '../../src/ai/ai-settings.ts';
import { forEachDialect } from '../support/dialects.ts';
import { waitFor } from '../support/wait-for.ts';
import { axe, LAPTOP, PHONE, shot, signIn, startWebWorld } from './web-world.ts';

const SHIPPING = {
  title: 'Shipping',
  body: 'We ship nationwide. Delivery takes 3 to 5 business days; express delivery takes one day.',
  tags: ['shipping'],
  language: 'en',
};

forEachDialect('web app: AI drafts', (dialect) => {
  test('an agent turns on drafts for a conversation, then edits and sends one, discards one and sends one as it is; the customer gets what was sent', async (t) => {
    const ww = await startWebWorld(t, dialect, { config: { demoBot: false, ai: { ...DEFAULT_AI_SETTINGS } } });
    if (!ww) return;
    const { w } = ww;
    assert.equal((await w.api('POST', '/api/v1/knowledge', SHIPPING)).status, 201);
    const ana = await ww.user({ email: 'ana@example.com', name: 'Ana Agent', role: 'agent' });
    const customer = w.sim.customer('5215512340031', 'Lucía Paz');
    await customer.sendText('hola');
    await w.settle();
    const conv = (await w.api('GET', '/api/v1/conversations')).body.data[0];

    const page = await ww.page(LAPTOP);
    await signIn(page, ww.url, ana);
    await page.getByTestId('conversation-row').filter({ hasText: 'Lucía Paz' }).click();
    const panel = page.getByTestId('ai-drafts');
    await panel.waitFor();
    assert.equal(await page.getByTestId('ai-draft').count(), 0, 'no draft while the mode is off');
    await page.getByTestId('ai-mode').click();
    await page.getByRole('option', { name: 'Drafts for me to check' }).click();
    await waitFor(
      async () => (await w.api('GET', `/api/v1/conversations/${conv.id}/ai/mode`)).body.mode === 'draft',
      5000,
      'the mode is saved',
    );

    // A question the knowledge base answers: its draft appears beside the composer, unsent.
    await customer.sendText('How long does delivery take?');
    const draft = page.getByTestId('ai-draft');
    await draft.filter({ hasText: '3 to 5 business days' }).waitFor({ timeout: 15_000 });
    assert.equal(customer.received().length, 0, 'nothing sent before the agent decides');
    await shot(page, 'ai-draft-laptop');
    const found: string[] = [];
    await axe(page, 'a draft showing', found);
    assert.deepEqual(found, [], 'no serious axe violation with a draft showing');

    await page.getByTestId('ai-draft-edit').click();
    await page.getByTestId('ai-draft-text').fill('Three to five business days, Lucía.');
    await page.getByTestId('ai-draft-send-edited').click();
    await customer.waitForMessage((m) => m.text === 'Three to five business days, Lucía.', 10_000);
    await page.getByTestId('history').filter({ hasText: 'Three to five business days, Lucía.' }).waitFor();
    await waitFor(async () => (await page.getByTestId('ai-draft').count()) === 0, 5000, 'the decided draft is gone');

    // Discard: nothing goes to the customer.
    await customer.sendText('Is there express delivery?');
    await draft.filter({ hasText: 'express delivery takes one day' }).waitFor({ timeout: 15_000 });
    await page.getByTestId('ai-draft-discard').click();
    await waitFor(async () => (await page.getByTestId('ai-draft').count()) === 0, 5000, 'the discarded draft is gone');
    const replies = (await w.api('GET', `/api/v1/conversations/${conv.id}/ai/replies`)).body.data;
    assert.deepEqual(
      replies.filter((x: any) => x.draft_state !== null).map((x: any) => x.draft_state),
      ['discarded', 'edited'],
    );

    // Send as it is, on a phone.
    const phone = await ww.page(PHONE);
    await signIn(phone, ww.url, ana);
    await phone.getByTestId('conversation-row').filter({ hasText: 'Lucía Paz' }).click();
    await customer.sendText('How long does delivery take to Monterrey?');
    const phoneDraft = phone.getByTestId('ai-draft');
    await phoneDraft.filter({ hasText: '3 to 5 business days' }).waitFor({ timeout: 15_000 });
    await shot(phone, 'ai-draft-phone');
    const text = (await phone.getByTestId('ai-draft-answer').textContent()) ?? '';
    await phone.getByTestId('ai-draft-accept').click();
    await customer.waitForMessage((m) => m.text === text, 10_000);
    const outs = customer.received().map((m) => m.text);
    assert.deepEqual(outs, ['Three to five business days, Lucía.', text], 'exactly what the agent sent, once each');
    assert.deepEqual(ww.pageErrors, []);
  });
});
