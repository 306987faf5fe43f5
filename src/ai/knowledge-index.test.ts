import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractAnswer } from './extract-answer.ts';
import { buildIndex, searchIndex } from './knowledge-index.ts';
import type { ArticleRow } from './knowledge-store.ts';
import { stemmedTerms } from './search-terms.ts';

const article = (id: string, title: string, body: string, language: string): ArticleRow => ({
  id,
  title,
  body,
  tags: '[]',
  language,
  source: null,
  created_at: 0,
  updated_at: 0,
});

const index = buildIndex([
  article('kb1', 'Horario', 'Abrimos de lunes a viernes de 9:00 a 18:00.', 'es'),
  article('kb2', 'Calentadores de agua', 'Instalamos calentadores de gas y eléctricos.', 'es'),
  article('kb3', 'Invoices', 'Invoices arrive by email within a day.', 'en'),
  article('kb4', 'Facturación', 'Pide tu factura en el portal.', 'es'),
]);
const top = (q: string) => searchIndex(index, q, { limit: 1 })[0];

test('a word is searched as itself and its Spanish and English stems, accents folded first', () => {
  assert.deepEqual(stemmedTerms('Calentadores'), ['calentadores', 'calent', 'calentador']);
  assert.deepEqual(stemmedTerms('facturación'), stemmedTerms('facturacion'), 'typed without the accent, stemmed the same');
  assert.equal(stemmedTerms('de'), null, 'function words are dropped');
});

test('other forms of a word find the article, and count fully toward the confidence', () => {
  assert.equal(top('¿a qué hora abren?')?.title, 'Horario', '"abren" finds "abrimos"');
  assert.equal(top('mi calentador no prende')?.title, 'Calentadores de agua');
  assert.equal(top('I need an invoice')?.title, 'Invoices');
  assert.equal(top('facturaciones')?.title, 'Facturación');
  assert.equal(top('calentador')?.coverage, 1);
});

test('the extractive answer picks the sentence with another form of the question word', () => {
  const passage = `${'Tenemos técnicos certificados en toda la ciudad y trabajamos con garantía por escrito. '.repeat(5)}Abrimos los sábados de 9:00 a 13:00.`;
  assert.equal(extractAnswer('¿abren el sábado?', passage, 120), 'Abrimos los sábados de 9:00 a 13:00.');
});
