import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reviewTemplate, type TemplateRequest } from '../../src/simulator/index.ts';

const body = (text: string, example?: unknown) => ({ type: 'BODY', text, ...(example ? { example } : {}) });
const tpl = (components: unknown[], extra: Partial<TemplateRequest> = {}): TemplateRequest => ({
  name: 'order_update',
  language: 'en_US',
  category: 'UTILITY',
  components,
  ...extra,
});
const ok = body('Hello {{1}}, your order {{2}} has shipped today.', { body_text: [['Pablo', '860198']] });
const qr = (text: string) => ({ type: 'QUICK_REPLY', text });
const url = (text: string, u: string, example?: string[]) => ({ type: 'URL', text, url: u, ...(example ? { example } : {}) });

const cases: Array<[name: string, req: TemplateRequest, expected: true | string]> = [
  ['plain positional body with examples', tpl([ok]), true],
  [
    'named variables with examples',
    tpl(
      [
        body('Thank you, {{first_name}}! Your order is confirmed.', {
          body_text_named_params: [{ param_name: 'first_name', example: 'Pablo' }],
        }),
      ],
      { parameter_format: 'named' },
    ),
    true,
  ],
  [
    'ends with a variable then punctuation',
    tpl([body('Your verification number for the order is {{1}}.', { body_text: [['1234']] })]),
    true,
  ],
  [
    'full template: header, footer, buttons',
    tpl([
      { type: 'HEADER', format: 'TEXT', text: 'Our {{1}} is on!', example: { header_text: ['Summer Sale'] } },
      ok,
      { type: 'FOOTER', text: 'Reply STOP to opt out' },
      {
        type: 'BUTTONS',
        buttons: [
          qr('Yes please'),
          qr('No thanks'),
          url('Shop Now', 'https://shop.example.com/p/{{1}}', ['summer']),
          { type: 'PHONE_NUMBER', text: 'Call', phone_number: '15550051310' },
        ],
      },
    ]),
    true,
  ],
  [
    'authentication with preset body',
    tpl(
      [
        { type: 'BODY', add_security_recommendation: true },
        { type: 'BUTTONS', buttons: [{ type: 'OTP', otp_type: 'COPY_CODE' }] },
      ],
      { category: 'AUTHENTICATION' },
    ),
    true,
  ],
  ['name with capitals and spaces', tpl([ok], { name: 'Order Update' }), 'invalid_name'],
  ['unknown language', tpl([ok], { language: 'xx_YY' }), 'unknown_language'],
  ['no body', tpl([{ type: 'FOOTER', text: 'Thanks' }]), 'body_missing'],
  ['variable at start', tpl([body('{{1}}, your order has shipped and is on its way.', { body_text: [['Pablo']] })]), 'variable_at_start'],
  ['variable at end', tpl([body('Your order has shipped, thank you very much {{1}}', { body_text: [['Pablo']] })]), 'variable_at_end'],
  [
    'adjacent variables',
    tpl([body('Hello there {{1}}{{2}} welcome to our lovely store.', { body_text: [['a', 'b']] })]),
    'adjacent_variables',
  ],
  [
    'adjacent variables separated by spaces only',
    tpl([body('Hello there {{1}}  {{2}} welcome to our lovely store.', { body_text: [['a', 'b']] })]),
    'adjacent_variables',
  ],
  [
    'non-sequential numbers',
    tpl([body('Hello {{1}}, your order {{3}} has shipped today.', { body_text: [['a', 'b']] })]),
    'non_sequential_variables',
  ],
  [
    'numbers out of order',
    tpl([body('Hello {{2}}, your order {{1}} has shipped today.', { body_text: [['a', 'b']] })]),
    'non_sequential_variables',
  ],
  [
    'duplicate variable',
    tpl([body('Hello {{1}}, dear {{1}}, your order has shipped today.', { body_text: [['a']] })]),
    'duplicate_variable',
  ],
  [
    'mixed positional and named',
    tpl([body('Hello {{1}}, your order {{order_id}} has shipped today.', { body_text: [['a', 'b']] })]),
    'mixed_parameter_format',
  ],
  [
    'named variables without parameter_format named',
    tpl([body('Hello {{name}}, your order has shipped today.', { body_text_named_params: [{ param_name: 'name', example: 'Pablo' }] })]),
    'parameter_format_mismatch',
  ],
  ['malformed braces', tpl([body('Hello {{1}, your order has shipped today.', { body_text: [['a']] })]), 'malformed_variable'],
  ['special characters in a variable', tpl([body('Hello {{#1}}, your order has shipped today.')]), 'invalid_variable_name'],
  ['missing body example', tpl([body('Hello {{1}}, your order has shipped today.')]), 'missing_example'],
  ['too few examples', tpl([body('Hello {{1}}, your order {{2}} has shipped today.', { body_text: [['a']] })]), 'missing_example'],
  [
    'missing named example',
    tpl([body('Hello {{name}}, your order has shipped today.', { body_text_named_params: [] })], { parameter_format: 'named' }),
    'missing_example',
  ],
  [
    'too many variables for the text',
    tpl([body('Hi {{1}} and {{2}} or {{3}} ok', { body_text: [['a', 'b', 'c']] })]),
    'too_many_variables',
  ],
  ['body over 1024', tpl([body('x '.repeat(513))]), 'body_too_long'],
  ['header over 60', tpl([{ type: 'HEADER', format: 'TEXT', text: 'h'.repeat(61) }, ok]), 'header_too_long'],
  [
    'header with two variables',
    tpl([{ type: 'HEADER', format: 'TEXT', text: 'Our {{1}} and {{2}}', example: { header_text: ['a', 'b'] } }, ok]),
    'header_too_many_variables',
  ],
  ['header variable without example', tpl([{ type: 'HEADER', format: 'TEXT', text: 'Our {{1}} sale' }, ok]), 'missing_example'],
  ['image header without sample', tpl([{ type: 'HEADER', format: 'IMAGE' }, ok]), 'missing_example'],
  ['footer with a variable', tpl([ok, { type: 'FOOTER', text: 'Bye {{1}}' }]), 'footer_has_variables'],
  ['footer over 60', tpl([ok, { type: 'FOOTER', text: 'f'.repeat(61) }]), 'footer_too_long'],
  ['button text over 25', tpl([ok, { type: 'BUTTONS', buttons: [qr('b'.repeat(26))] }]), 'button_text_too_long'],
  ['eleven buttons', tpl([ok, { type: 'BUTTONS', buttons: Array.from({ length: 11 }, (_, i) => qr(`Option ${i}`)) }]), 'too_many_buttons'],
  [
    'quick replies not contiguous',
    tpl([ok, { type: 'BUTTONS', buttons: [qr('A'), url('Site', 'https://example.com'), qr('B')] }]),
    'quick_replies_not_contiguous',
  ],
  [
    'three URL buttons',
    tpl([ok, { type: 'BUTTONS', buttons: [url('A', 'https://a.example'), url('B', 'https://b.example'), url('C', 'https://c.example')] }]),
    'too_many_url_buttons',
  ],
  [
    'two phone buttons',
    tpl([
      ok,
      {
        type: 'BUTTONS',
        buttons: [
          { type: 'PHONE_NUMBER', text: 'A', phone_number: '1555' },
          { type: 'PHONE_NUMBER', text: 'B', phone_number: '1556' },
        ],
      },
    ]),
    'too_many_phone_buttons',
  ],
  [
    'two copy-code buttons',
    tpl([
      ok,
      {
        type: 'BUTTONS',
        buttons: [
          { type: 'COPY_CODE', example: 'A1' },
          { type: 'COPY_CODE', example: 'B2' },
        ],
      },
    ]),
    'too_many_copy_code_buttons',
  ],
  [
    'URL variable not at the end',
    tpl([ok, { type: 'BUTTONS', buttons: [url('Go', 'https://example.com/{{1}}/page', ['x'])] }]),
    'url_variable_not_at_end',
  ],
  ['URL variable without example', tpl([ok, { type: 'BUTTONS', buttons: [url('Go', 'https://example.com/{{1}}')] }]), 'missing_example'],
];

for (const [name, req, expected] of cases) {
  test(`review: ${name} → ${expected === true ? 'APPROVED' : `REJECTED (${expected})`}`, () => {
    const r = reviewTemplate(req);
    if (expected === true) {
      assert.deepEqual(r.findings, []);
      assert.equal(r.approved, true);
      assert.equal(r.reason, 'NONE');
      return;
    }
    assert.equal(r.approved, false);
    assert.equal(r.reason, 'INVALID_FORMAT');
    assert.ok(
      r.findings.some((f) => f.code === expected),
      `expected ${expected}, got ${JSON.stringify(r.findings)}`,
    );
    for (const f of r.findings) assert.ok(f.component && f.message);
    assert.ok(r.rejection_info?.reason && r.rejection_info.recommendation);
  });
}

test('review: an invalid category alone is INCORRECT_CATEGORY', () => {
  const r = reviewTemplate(tpl([ok], { category: 'PROMO' }));
  assert.deepEqual([r.approved, r.reason, r.findings.map((f) => f.code)], [false, 'INCORRECT_CATEGORY', ['invalid_category']]);
});
