/**
 * `npm run bench -- --only ai` (issue 18): the offline assistant over a 1,000-article knowledge
 * base in a real SQLite file. 20 hand-written articles (Spanish and English, a plumbing and
 * repairs business) are hidden among 980 generated ones built from the same vocabulary, so they
 * compete for the same words. Measures, per labelled question: the answer latency (the provider's
 * whole call: knowledge revision read, BM25 search, extractive answer) and whether the labelled
 * article is the top hit (top-1) or among the first three (top-3).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { knowledgeIndexFor } from '../src/ai/knowledge-index.ts';
import { insertArticle } from '../src/ai/knowledge-store.ts';
import { OfflineProvider } from '../src/ai/offline-provider.ts';
import { openStorage } from '../src/storage/open-database.ts';

export interface AiBenchResult {
  articles: number;
  questions: number;
  answerLatencyMs: { p50: number; p99: number; max: number };
  coldIndexBuildMs: number;
  top1: number;
  top3: number;
  answered: number;
  misses: Array<{ question: string; expected: string; got: string | null }>;
}

const ARTICLES: Array<{ title: string; body: string; language: string }> = [
  {
    title: 'Horario de atención',
    language: 'es',
    body: 'Atendemos de lunes a viernes de 9:00 a 18:00 y los sábados de 9:00 a 13:00. Domingos y festivos cerrado.',
  },
  {
    title: 'Urgencias y guardias',
    language: 'es',
    body: 'Las fugas de agua y de gas se atienden a cualquier hora con un técnico de guardia. Escribe "urgente".',
  },
  {
    title: 'Precio de la visita de diagnóstico',
    language: 'es',
    body: 'La visita de diagnóstico cuesta 350 pesos y se descuenta si aceptas la reparación.',
  },
  {
    title: 'Cambiar o cancelar una visita',
    language: 'es',
    body: 'Puedes reprogramar o cancelar sin costo hasta 4 horas antes de la visita.',
  },
  { title: 'Formas de pago', language: 'es', body: 'Aceptamos tarjeta de crédito, débito, transferencia bancaria y efectivo.' },
  {
    title: 'Facturación',
    language: 'es',
    body: 'Pide tu factura con el número de solicitud y tus datos fiscales; llega por correo en 24 horas.',
  },
  { title: 'Garantía de reparaciones', language: 'es', body: 'Toda reparación tiene garantía de 90 días en piezas y mano de obra.' },
  {
    title: 'Zonas de cobertura',
    language: 'es',
    body: 'Damos servicio en la ciudad y la zona metropolitana; fuera de ella se cobra traslado.',
  },
  {
    title: 'Calentadores de agua',
    language: 'es',
    body: 'Instalamos y reparamos calentadores de gas y eléctricos, de paso y de depósito.',
  },
  {
    title: 'Destape de drenaje',
    language: 'es',
    body: 'Destapamos drenajes, coladeras y tarjas con equipo de presión; el precio depende de los metros.',
  },
  { title: 'Opening hours', language: 'en', body: 'We answer Monday to Friday from 9:00 to 18:00 and Saturdays from 9:00 to 13:00.' },
  { title: 'Emergency call-outs', language: 'en', body: 'Water and gas leaks are handled around the clock by an on-call technician.' },
  {
    title: 'Diagnostic visit fee',
    language: 'en',
    body: 'A diagnostic visit costs 20 dollars, deducted from the repair if you accept the quote.',
  },
  { title: 'Rescheduling a visit', language: 'en', body: 'You can reschedule or cancel free of charge up to four hours before the visit.' },
  { title: 'Payment methods', language: 'en', body: 'We take credit and debit cards, bank transfers and cash.' },
  {
    title: 'Invoices',
    language: 'en',
    body: 'Ask for an invoice with your request number and tax details; it arrives by email within a day.',
  },
  { title: 'Repair warranty', language: 'en', body: 'Every repair carries a 90-day warranty on parts and labour.' },
  { title: 'Service area', language: 'en', body: 'We cover the city and its metropolitan area; outside it a travel fee applies.' },
  { title: 'Water heaters', language: 'en', body: 'We install and repair gas and electric water heaters, tankless and tank models.' },
  {
    title: 'Drain unblocking',
    language: 'en',
    body: 'We unblock drains, sinks and sewer lines with pressure jetting; the price depends on the length.',
  },
];

/** Questions as customers type them (no accents, typos, other words than the article's), with the article that answers each. */
const QUESTIONS: Array<[string, string]> = [
  ['a que hora abren el sabado?', 'Horario de atención'],
  ['¿Cuál es su horario?', 'Horario de atención'],
  ['tengo una fuga de gas urgente', 'Urgencias y guardias'],
  ['cuanto cuesta la visita de diagnostico', 'Precio de la visita de diagnóstico'],
  ['quiero cancelar mi visita', 'Cambiar o cancelar una visita'],
  ['puedo reprogramar la cita?', 'Cambiar o cancelar una visita'],
  ['aceptan tarjeta de credito?', 'Formas de pago'],
  ['necesito factura', 'Facturación'],
  ['la reparacion tiene garantia?', 'Garantía de reparaciones'],
  ['dan servicio en la zona metropolitana?', 'Zonas de cobertura'],
  ['mi calentador no prende', 'Calentadores de agua'],
  ['se tapo el drenaje de la cocina', 'Destape de drenaje'],
  ['When are you open on Saturday?', 'Opening hours'],
  ['I have a water leak, is there an emergency technician?', 'Emergency call-outs'],
  ['how much is the diagnostic visit', 'Diagnostic visit fee'],
  ['can I reschedule my visit', 'Rescheduling a visit'],
  ['do you take cash?', 'Payment methods'],
  ['I need an invoice for my repair', 'Invoices'],
  ['is there a warranty on parts?', 'Repair warranty'],
  ['do you cover the metropolitan area', 'Service area'],
  ['my tankless water heater is broken', 'Water heaters'],
  ['the sink drain is blocked', 'Drain unblocking'],
  ['horaro de atencion', 'Horario de atención'],
  ['metodos de pago', 'Formas de pago'],
  ['payment by bank transfer?', 'Payment methods'],
];

/** A small deterministic generator (mulberry32), so every run indexes the same 980 fillers. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VOCAB = (
  'tubería llave grifo regadera lavabo inodoro cisterna boiler tinaco bomba presión válvula conexión manguera sellador ' +
  'pipe faucet shower toilet tank pump pressure valve hose sealant fitting boiler pipework plumbing copper pvc ' +
  'instalación mantenimiento revisión presupuesto material cliente técnico servicio cocina baño jardín azotea ' +
  'installation maintenance inspection quote material customer technician service kitchen bathroom garden roof ' +
  'visita pago precio semana día hora fuga agua gas drenaje calentador factura garantía zona ciudad ' +
  'visit payment price week day hour leak water gas drain heater invoice warranty area city'
).split(' ');

function fillers(n: number): Array<{ title: string; body: string; language: string }> {
  const r = rng(18);
  const pick = () => VOCAB[Math.floor(r() * VOCAB.length)] ?? 'agua';
  const sentence = (k: number) => `${Array.from({ length: k }, pick).join(' ')}.`;
  return Array.from({ length: n }, (_, i) => ({
    title: `${pick()} ${pick()} ${i}`,
    body: Array.from({ length: 3 }, () => Array.from({ length: 3 }, () => sentence(8 + Math.floor(r() * 8))).join(' ')).join('\n\n'),
    language: r() < 0.5 ? 'es' : 'en',
  }));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

export async function runAiBench(opts: { rounds?: number; say?: (l: string) => void } = {}): Promise<AiBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-ai-bench-'));
  const storage = await openStorage({ dataDir: dir });
  try {
    const all = [...ARTICLES, ...fillers(1000 - ARTICLES.length)];
    // Shuffled in, so insertion order does not favour the labelled articles.
    const order = all.map((a, i) => ({ a, k: rng(7 + i)() })).sort((x, y) => x.k - y.k);
    await storage.db.transaction().execute(async (trx) => {
      for (const { a } of order) await insertArticle(trx, { title: a.title, body: a.body, tags: [], language: a.language }, Date.now());
    });
    const index = knowledgeIndexFor(storage.db);
    const provider = new OfflineProvider(index);
    let t = performance.now();
    await index.search('warm up');
    const coldIndexBuildMs = performance.now() - t;
    let top1 = 0;
    let top3 = 0;
    const misses: AiBenchResult['misses'] = [];
    for (const [q, expected] of QUESTIONS) {
      const hits = await index.search(q, { limit: 3 });
      if (hits[0]?.title === expected) top1++;
      if (hits.some((h) => h.title === expected)) top3++;
      else misses.push({ question: q, expected, got: hits[0]?.title ?? null });
    }
    const latencies: number[] = [];
    let answered = 0;
    const rounds = opts.rounds ?? 40;
    for (let round = 0; round < rounds; round++) {
      for (const [q] of QUESTIONS) {
        t = performance.now();
        const r = await provider.complete({ messages: [{ role: 'user', content: q }] });
        latencies.push(performance.now() - t);
        if (round === 0 && r.finishReason === 'stop') answered++;
      }
    }
    latencies.sort((a, b) => a - b);
    const r2 = (n: number) => Math.round(n * 100) / 100;
    return {
      articles: all.length,
      questions: QUESTIONS.length,
      answerLatencyMs: { p50: r2(percentile(latencies, 50)), p99: r2(percentile(latencies, 99)), max: r2(latencies.at(-1) ?? 0) },
      coldIndexBuildMs: r2(coldIndexBuildMs),
      top1,
      top3,
      answered,
      misses,
    };
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function renderAiBench(r: AiBenchResult): string {
  return [
    `(ai) offline assistant, ${r.articles} articles, ${r.questions} labelled questions`,
    `     answer latency p50 ${r.answerLatencyMs.p50} ms, p99 ${r.answerLatencyMs.p99} ms (max ${r.answerLatencyMs.max}); index built in ${r.coldIndexBuildMs} ms`,
    `     retrieval top-1 ${r.top1}/${r.questions}, top-3 ${r.top3}/${r.questions}; answered (confidence >= 0.5) ${r.answered}/${r.questions}`,
    ...r.misses.map((m) => `     miss: "${m.question}" -> expected "${m.expected}", got "${m.got}"`),
  ].join('\n');
}
