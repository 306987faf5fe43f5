import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reviewTemplate } from '../../src/simulator/index.ts';
import { hasErrors, lintTemplate } from '../../src/templates/lint-template.ts';
import { authenticationCases } from './authentication-cases.ts';

// Builders keep each row to the one thing it tests.
const body = (text: string, example?: string[]) => ({ type: 'BODY', text, ...(example ? { example: { body_text: [example] } } : {}) });
const namedBody = (text: string, ex: Record<string, string>) => ({
  type: 'BODY',
  text,
  example: { body_text_named_params: Object.entries(ex).map(([param_name, example]) => ({ param_name, example })) },
});
const ok = body('Hola {{1}}, tu pedido está listo para recoger.', ['Ana']);
const tpl = (components: unknown[], over: Record<string, unknown> = {}) => ({
  name: 'pedido_listo',
  language: 'es_MX',
  category: 'UTILITY',
  components,
  ...over,
});
const qr = (text: string) => ({ type: 'QUICK_REPLY', text });
const url = (text: string, u: string, example?: string[]) => ({ type: 'URL', text, url: u, ...(example ? { example } : {}) });
const buttons = (...b: unknown[]) => ({ type: 'BUTTONS', buttons: b });

/** [why, template, expected error code or null when it should pass, expected warning?] */
const cases: Array<[string, unknown, string | null, string?]> = [
  // Passing templates.
  ['body only, positional', tpl([ok]), null],
  [
    'named parameters',
    tpl([namedBody('Hola {{customer_name}}, tu pedido {{order_id}} está listo.', { customer_name: 'Ana', order_id: 'A-1' })], {
      parameter_format: 'named',
    }),
    null,
  ],
  [
    'text header with a variable',
    tpl([
      { type: 'HEADER', format: 'TEXT', text: 'Pedido {{1}}', example: { header_text: ['A-1'] } },
      body('Tu pedido {{1}} está listo para recoger hoy.', ['A-1']),
    ]),
    null,
  ],
  ['image header with a sample handle', tpl([{ type: 'HEADER', format: 'IMAGE', example: { header_handle: ['4::aW1hZ2U='] } }, ok]), null],
  ['document header', tpl([{ type: 'HEADER', format: 'DOCUMENT', example: { header_handle: ['4::ZG9j'] } }, ok]), null],
  ['location header (utility)', tpl([{ type: 'HEADER', format: 'LOCATION' }, ok]), null],
  ['footer', tpl([ok, { type: 'FOOTER', text: 'Responde BAJA para no recibir más avisos' }]), null],
  [
    'quick replies then URL with a suffix variable',
    tpl([ok, buttons(qr('Sí'), qr('No'), url('Ver pedido', 'https://shop.example.com/p/{{1}}', ['A-1']))]),
    null,
  ],
  [
    'phone number and copy code',
    tpl([ok, buttons({ type: 'PHONE_NUMBER', text: 'Llamar', phone_number: '+5215512345678' }, { type: 'COPY_CODE', example: 'ABC123' })], {
      category: 'MARKETING',
    }),
    null,
  ],
  ['flow button', tpl([ok, buttons({ type: 'FLOW', text: 'Abrir formulario', flow_id: '123456', flow_action: 'navigate' })]), null],
  [
    'named template with a URL {{1}} suffix',
    tpl(
      [
        namedBody('Hola {{name}}, revisa tu solicitud en línea.', { name: 'Ana' }),
        buttons(url('Abrir', 'https://x.example/r/{{1}}', ['42'])),
      ],
      { parameter_format: 'named' },
    ),
    null,
  ],
  [
    'authentication without body text (Meta preset)',
    tpl([{ type: 'BODY' }, buttons({ type: 'OTP', otp_type: 'COPY_CODE' })], { category: 'AUTHENTICATION' }),
    null,
  ],
  ['trailing punctuation after the last variable', tpl([body('Tu código de pedido es {{1}}.', ['A-1'])]), null],
  ['en-US spelled with a hyphen', tpl([ok], { language: 'en-US' }), null],
  ['lowercase category accepted', tpl([ok], { category: 'utility' }), null],
  [
    'promotional words in UTILITY: a warning, not an error',
    tpl([body('Hola {{1}}, aprovecha el descuento de hoy en tu pedido.', ['Ana'])]),
    null,
    'promotional_in_utility',
  ],
  [
    'promotional words in MARKETING are fine',
    tpl([body('Hola {{1}}, aprovecha el descuento de hoy en tu pedido.', ['Ana'])], { category: 'MARKETING' }),
    null,
  ],
  ['ten quick replies', tpl([ok, buttons(...Array.from({ length: 10 }, (_, i) => qr(`Opción ${i + 1}`)))]), null],
  // Name, language, category, format.
  ['capital letters in the name', tpl([ok], { name: 'Pedido_Listo' }), 'invalid_name'],
  ['space in the name', tpl([ok], { name: 'pedido listo' }), 'invalid_name'],
  ['unknown language', tpl([ok], { language: 'xx_YY' }), 'unknown_language'],
  ['unknown category', tpl([ok], { category: 'PROMO' }), 'invalid_category'],
  ['bad parameter_format', tpl([ok], { parameter_format: 'numbered' }), 'invalid_parameter_format'],
  // Body.
  ['no body', tpl([{ type: 'FOOTER', text: 'Gracias' }]), 'body_missing'],
  ['body over 1024 characters', tpl([body('a'.repeat(1025))]), 'body_too_long'],
  ['variable at the start', tpl([body('{{1}}, tu pedido está listo para recoger.', ['Ana'])]), 'variable_at_start'],
  ['variable at the end', tpl([body('Tu pedido está listo para recoger, {{1}}', ['Ana'])]), 'variable_at_end'],
  ['adjacent variables', tpl([body('Hola {{1}} {{2}}, tu pedido está listo para recoger hoy.', ['Ana', 'López'])]), 'adjacent_variables'],
  [
    'non-sequential positional numbers',
    tpl([body('Hola {{1}}, tu pedido {{3}} está listo para recoger.', ['Ana', 'A-1'])]),
    'non_sequential_variables',
  ],
  ['duplicate positional number', tpl([body('Hola {{1}}, tu pedido está listo, {{1}}, ven hoy.', ['Ana'])]), 'duplicate_variable'],
  ['missing examples', tpl([body('Hola {{1}}, tu pedido está listo para recoger.')]), 'missing_example'],
  ['too few examples', tpl([body('Hola {{1}}, tu pedido {{2}} está listo para recoger.', ['Ana'])]), 'missing_example'],
  [
    'named variable without its example',
    tpl([namedBody('Hola {{customer_name}}, tu pedido {{order_id}} está listo.', { customer_name: 'Ana' })], { parameter_format: 'named' }),
    'missing_example',
  ],
  ['too many variables for the text', tpl([body('Hola {{1}}, {{2}}, {{3}} y {{4}} ok.', ['a', 'b', 'c', 'd'])]), 'too_many_variables'],
  ['mismatched braces', tpl([body('Hola {{1}, tu pedido está listo para recoger.')]), 'malformed_variable'],
  ['special characters in a variable', tpl([body('Hola {{#1}}, tu pedido está listo para recoger.')]), 'invalid_variable_name'],
  [
    'named variables without parameter_format named',
    tpl([namedBody('Hola {{name}}, tu pedido está listo para recoger.', { name: 'Ana' })]),
    'parameter_format_mismatch',
  ],
  [
    'positional and named mixed',
    tpl([{ type: 'BODY', text: 'Hola {{1}}, tu pedido {{order}} está listo para recoger.', example: { body_text: [['Ana', 'A']] } }], {
      parameter_format: 'named',
    }),
    'mixed_parameter_format',
  ],
  ['two bodies', tpl([ok, ok]), 'duplicate_component'],
  ['unknown component', tpl([ok, { type: 'CAROUSEL' }]), 'invalid_component'],
  // Header and footer.
  ['header over 60 characters', tpl([{ type: 'HEADER', format: 'TEXT', text: 'x'.repeat(61) }, ok]), 'header_too_long'],
  [
    'two variables in the header',
    tpl([{ type: 'HEADER', format: 'TEXT', text: 'Pedido {{1}} de {{2}}', example: { header_text: ['A', 'B'] } }, ok]),
    'header_too_many_variables',
  ],
  ['header variable without example', tpl([{ type: 'HEADER', format: 'TEXT', text: 'Pedido {{1}}' }, ok]), 'missing_example'],
  ['image header without sample', tpl([{ type: 'HEADER', format: 'IMAGE' }, ok]), 'missing_example'],
  ['unknown header format', tpl([{ type: 'HEADER', format: 'AUDIO' }, ok]), 'invalid_header_format'],
  [
    'location header in AUTHENTICATION',
    tpl([{ type: 'HEADER', format: 'LOCATION' }, ok], { category: 'AUTHENTICATION' }),
    'invalid_header_format',
  ],
  ['footer over 60 characters', tpl([ok, { type: 'FOOTER', text: 'f'.repeat(61) }]), 'footer_too_long'],
  ['variable in the footer', tpl([ok, { type: 'FOOTER', text: 'Pedido {{1}}' }]), 'footer_has_variables'],
  // Buttons.
  ['button label over 25 characters', tpl([ok, buttons(qr('Esta etiqueta es demasiado larga'))]), 'button_text_too_long'],
  ['button without label', tpl([ok, buttons(qr(''))]), 'button_text_missing'],
  ['eleven buttons', tpl([ok, buttons(...Array.from({ length: 11 }, (_, i) => qr(`Opción ${i + 1}`)))]), 'too_many_buttons'],
  [
    'quick replies split by a URL',
    tpl([ok, buttons(qr('A'), url('Sitio', 'https://example.com'), qr('B'))]),
    'quick_replies_not_contiguous',
  ],
  [
    'three URL buttons',
    tpl([ok, buttons(url('A', 'https://a.example'), url('B', 'https://b.example'), url('C', 'https://c.example'))]),
    'too_many_url_buttons',
  ],
  [
    'two phone buttons',
    tpl([
      ok,
      buttons({ type: 'PHONE_NUMBER', text: 'Uno', phone_number: '+1555' }, { type: 'PHONE_NUMBER', text: 'Dos', phone_number: '+1556' }),
    ]),
    'too_many_phone_buttons',
  ],
  ['URL variable not at the end', tpl([ok, buttons(url('Ir', 'https://example.com/{{1}}/page', ['x']))]), 'url_variable_not_at_end'],
  ['URL variable without example', tpl([ok, buttons(url('Ir', 'https://example.com/{{1}}'))]), 'missing_example'],
  ['named URL variable', tpl([ok, buttons(url('Ir', 'https://example.com/{{order}}', ['x']))]), 'url_variable_not_positional'],
  ['URL that is not http(s)', tpl([ok, buttons(url('Ir', 'ftp://example.com'))]), 'invalid_url'],
  [
    'copy code example too long',
    tpl([ok, buttons({ type: 'COPY_CODE', example: 'ABCDEFGHIJKLMNOP' })], { category: 'MARKETING' }),
    'copy_code_example_too_long',
  ],
  ['duplicate button labels', tpl([ok, buttons(qr('Sí'), qr('Sí'))]), 'duplicate_button_text'],
  ['unknown button type', tpl([ok, buttons({ type: 'TELEPORT', text: 'Go' })]), 'invalid_button_type'],
  [
    'phone number too long',
    tpl([ok, buttons({ type: 'PHONE_NUMBER', text: 'Llamar', phone_number: '+1 555 555 5555 ext 12345' })]),
    'phone_number_too_long',
  ],
  // AUTHENTICATION by Meta's rules, and OTP buttons refused elsewhere (test/templates/authentication-cases.ts).
  ...authenticationCases,
];

test(`the lint table has at least 40 templates (${cases.length})`, () => {
  assert.ok(cases.length >= 40);
});

for (const [why, template, expected, warning] of cases) {
  test(`lint: ${why} -> ${expected ?? 'passes'}`, () => {
    const findings = lintTemplate(template);
    const errors = findings.filter((f) => f.severity === 'error').map((f) => f.code);
    if (expected === null) assert.deepEqual(errors, [], JSON.stringify(findings));
    else assert.ok(errors.includes(expected), `expected ${expected}, got ${JSON.stringify(findings)}`);
    if (warning)
      assert.ok(
        findings.some((f) => f.severity === 'warning' && f.code === warning),
        `expected warning ${warning}`,
      );
    for (const f of findings) assert.ok(f.message.length > 0 && f.component.length > 0);
    // The simulator's review (our stand-in for Meta) must agree: errors <=> REJECTED, same reason.
    const review = reviewTemplate(template as Parameters<typeof reviewTemplate>[0]);
    assert.equal(
      review.approved,
      !hasErrors(findings),
      `simulator ${review.approved ? 'approved' : 'rejected'}: ${JSON.stringify(review.findings)}`,
    );
    if (expected !== null)
      assert.ok(
        review.findings.some((f) => f.code === expected),
        `simulator findings ${JSON.stringify(review.findings)}`,
      );
  });
}

test('each AUTHENTICATION case is refused for its one reason only, by the linter and the simulator alike', () => {
  for (const [why, template, expected] of authenticationCases) {
    const errors = lintTemplate(template).filter((f) => f.severity === 'error');
    assert.deepEqual(
      errors.map((f) => f.code),
      expected === null ? [] : [expected],
      why,
    );
    const review = reviewTemplate(template);
    assert.deepEqual(
      review.findings.map((f) => [f.code, f.component]),
      errors.map((f) => [f.code, f.component]),
      why,
    );
  }
});
