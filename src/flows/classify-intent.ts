/**
 * Offline intent detection: the customer's text against each intent's example phrases, by cosine
 * similarity of sparse vectors of words plus character trigrams (accent- and case-folded). Trigrams
 * forgive typos and inflections ("cancelar"/"cancelo"); words reward exact vocabulary. An intent's
 * score is its best example's, so a few varied examples beat a centroid that blurs them. Common
 * function words (English, Spanish, Portuguese) are dropped, and features shared by several
 * intents weigh less (inverse intent frequency), so "I want to" does not decide between
 * "I want to book" and "I want to cancel".
 */
export interface IntentMatch {
  intent: string | null; // null below the threshold
  best: string | null; // the best intent whatever its score
  confidence: number; // 0..1, rounded to 3 decimals
}

type Vector = Map<string, number>;

interface Model {
  examples: Array<{ intent: string; vec: Vector; norm: number }>;
  weight: (feature: string) => number;
}

// Documents are immutable once published (and cached by checksum), so the model is built once per block.
const cache = new WeakMap<Record<string, string[]>, Model>();

function modelOf(intents: Record<string, string[]>): Model {
  const hit = cache.get(intents);
  if (hit) return hit;
  const names = Object.keys(intents);
  const df = new Map<string, number>(); // in how many intents a feature occurs
  for (const name of names)
    for (const f of new Set((intents[name] ?? []).flatMap((p) => [...rawVector(p).keys()]))) df.set(f, (df.get(f) ?? 0) + 1);
  const weight = (f: string) => Math.log(1 + names.length / (df.get(f) ?? 1)) / Math.log(1 + names.length);
  const weighted = (raw: Vector): Vector => new Map([...raw].map(([k, v]) => [k, v * weight(k)]));
  const examples = names.flatMap((intent) => (intents[intent] ?? []).map((p) => ({ intent, ...withNorm(weighted(rawVector(p))) })));
  const model = { examples, weight };
  cache.set(intents, model);
  return model;
}

export function classifyIntent(text: string, intents: Record<string, string[]>, threshold: number): IntentMatch {
  const { examples, weight } = modelOf(intents);
  const q = withNorm(new Map([...rawVector(text.slice(0, 1000))].map(([k, v]) => [k, v * weight(k)])));
  let best: string | null = null;
  let score = 0;
  if (q.norm > 0)
    for (const e of examples) {
      if (e.norm === 0) continue;
      let dot = 0;
      for (const [k, v] of q.vec) dot += v * (e.vec.get(k) ?? 0);
      const s = dot / (q.norm * e.norm);
      if (s > score) {
        score = s;
        best = e.intent;
      }
    }
  const confidence = Math.round(score * 1000) / 1000;
  return { intent: best !== null && confidence >= threshold ? best : null, best, confidence };
}

function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

const STOP_WORDS = new Set(
  (
    'a an the i me my we you your it is are am be to of in on at for and or but with this that do can could would like want please ' +
    'el la los las un una unos unas de del al y o que en por para con mi me yo tu su es son quiero quisiera favor lo le se ' +
    'o os as um uma do da dos das no na e eu meu minha voce por'
  ).split(' '),
);

function rawVector(text: string): Vector {
  const v: Vector = new Map();
  const add = (k: string, w: number) => v.set(k, (v.get(k) ?? 0) + w);
  const words = (fold(text).match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => !STOP_WORDS.has(w));
  for (const w of words) {
    add(`w:${w}`, 1);
    const padded = ` ${w} `;
    for (let i = 0; i + 3 <= padded.length; i++) add(`t:${padded.slice(i, i + 3)}`, 0.5);
  }
  return v;
}

function withNorm(vec: Vector): { vec: Vector; norm: number } {
  let sum = 0;
  for (const x of vec.values()) sum += x * x;
  return { vec, norm: Math.sqrt(sum) };
}
